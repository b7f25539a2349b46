"""One Dask task: grade one submission on a worker, from its bytes, with the worker's own rubric.

A :class:`GradingTask` carries what grading needs and nothing that assumes
a shared file system: the submission's bytes and file name, the rubric's
name, hash and term, the client's grader version and the sandbox limits.
:func:`grade_task` (run by a Dask worker) writes the bytes into a private
temporary folder in the worker's local directory (:func:`task_folder_parent`),
loads the rubric of that name from the worker's installed rubrics
(``GRADER_RUBRICS``, else the project's ``rubrics/``), refuses the task
(:class:`WorkerMismatch`) when the worker's grader version or rubric hash
differs from the client's, and calls
:func:`grader.grading.grade_submission`: the same sandbox, limits and
isolation as a local run, a fresh sandbox child per submission (or the fork
server of the worker thread with ``fork_server=1``). Student code never
runs in the worker's own process.

The worker only grades; the client writes the document (instructor scores,
overrides, late policy and the atomic write stay client-side).
"""

from __future__ import annotations

import functools
import os
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import grader
from grader.discover import Submission
from grader.errors import GraderError
from grader.grading import GRADER_BUG, grade_submission
from grader.limits import Limits
from grader.prestart import preflight
from grader.rubric import Rubric, load_rubrics, with_term

__all__ = ["GradingTask", "WorkerMismatch", "make_task", "grade_task", "failed_document", "task_folder_parent"]

#: Environment variable naming a worker's rubric folder (default: the project's ``rubrics/``).
RUBRICS_ENV = "GRADER_RUBRICS"


class WorkerMismatch(GraderError):
    """A worker refused a task: its grader version or rubric differs from the client's.

    The message names the worker and both versions or hashes. It is raised
    on the worker and re-raised on the client by Dask.
    """


@dataclass(frozen=True)
class GradingTask:
    """Everything a worker needs to grade one submission (picklable, no file paths).

    Attributes
    ----------
    assignment, student : str
        Ids of the submission.
    kind : {"module", "notebook", "package"}
        As discovered (:class:`grader.discover.Submission`).
    rel_path : str
        The submission's path relative to the graded folder (recorded in the document).
    file_name : str or None
        Name of the source file (``ada.py``, ``homework2.ipynb``); None when the
        submission cannot be graded (``error``).
    content : bytes
        The source file's bytes (empty when ``file_name`` is None).
    sha256 : str
        Hex SHA-256 of ``content`` as the client computed it.
    error : str or None
        Why the submission cannot be graded (discovery's message), if so.
    rubric_sha256 : str
        Hash of the client's rubric (the term salt mixed in).
    term : str
        The course's hidden-input salt (:func:`grader.rubric.with_term`).
    grader_version : str
        The client's ``grader.__version__``.
    limits : Limits
        Sandbox limits of the run.
    """

    assignment: str
    student: str
    kind: Literal["module", "notebook", "package"]
    rel_path: str
    file_name: str | None
    content: bytes
    sha256: str
    error: str | None
    rubric_sha256: str
    term: str
    grader_version: str
    limits: Limits

    @property
    def name(self) -> str:
        """``assignment/student``, for messages."""
        return f"{self.assignment}/{self.student}"


def make_task(sub: Submission, rubric: Rubric, limits: Limits) -> GradingTask:
    """The task of one discovered submission: its bytes read now, on the client.

    Parameters
    ----------
    sub : Submission
        As discovered.
    rubric : Rubric
        Its assignment's rubric as the client loaded it (term applied).
    limits : Limits
        Sandbox limits of the run.

    Returns
    -------
    GradingTask

    Raises
    ------
    OSError
        If the source file cannot be read (it was hashed moments ago).
    """
    content = sub.source.read_bytes() if sub.source is not None and sub.error is None else b""
    return GradingTask(sub.assignment, sub.student, sub.kind, sub.rel_path,
                       sub.source.name if sub.source is not None else None, content, sub.sha256,
                       sub.error, rubric.sha256, rubric.term, grader.__version__, limits)


def _where() -> str:
    """The worker, as messages name it: its Dask address, else host and pid."""
    try:
        from distributed import get_worker

        return f"worker {get_worker().address}"
    except (ImportError, ValueError):
        return f"worker on {socket.gethostname()} (pid {os.getpid()})"


@functools.lru_cache(maxsize=8)
def _worker_rubrics(folder: str, term: str) -> dict[str, Rubric]:
    """The worker's rubrics, loaded once per (folder, term) in this process."""
    return {name: with_term(r, term) for name, r in load_rubrics(Path(folder) if folder else None).items()}


def _rubric_for(task: GradingTask) -> Rubric:
    """The worker's rubric of ``task.assignment``, or :class:`WorkerMismatch` saying why not."""
    if task.grader_version != grader.__version__:
        raise WorkerMismatch(f"{_where()} refused {task.name}: it runs grader {grader.__version__}, the client "
                             f"{task.grader_version}; install the same grader on every worker")
    rubrics = _worker_rubrics(os.environ.get(RUBRICS_ENV, ""), task.term)
    rubric = rubrics.get(task.assignment)
    if rubric is None:
        raise WorkerMismatch(f"{_where()} refused {task.name}: it has no rubric {task.assignment!r} "
                             f"(it has {', '.join(sorted(rubrics))}); install the client's rubrics")
    if rubric.sha256 != task.rubric_sha256:
        raise WorkerMismatch(f"{_where()} refused {task.name}: its rubric {task.assignment} has hash "
                             f"{rubric.sha256[:12]}, the client's {task.rubric_sha256[:12]}; install the "
                             f"client's rubrics (or set {RUBRICS_ENV}) on every worker")
    return rubric


_PREFLIGHTED: set[Limits] = set()
_PREFLIGHT_LOCK = threading.Lock()


def _preflight_once(limits: Limits) -> None:
    """:func:`grader.prestart.preflight` on this worker, once per limits and process.

    A worker whose sandbox cannot start must fail its task (Dask retries it
    elsewhere), not record every student's submission as broken.
    """
    with _PREFLIGHT_LOCK:
        if limits in _PREFLIGHTED:
            return
        try:
            preflight(limits)
        except GraderError as exc:
            raise GraderError(f"{_where()}: {exc}") from None
        _PREFLIGHTED.add(limits)


def task_folder_parent() -> str | None:
    """Where a task's private folder goes: the Dask worker's own local directory, else None (``TMPDIR``).

    Dask removes a worker's local directory when the worker stops, and the
    next worker on the machine removes those of killed workers (its
    ``WorkSpace`` purges directories whose lock no live process holds), so
    a lost node leaves no copied submission in ``/tmp``.

    Returns
    -------
    str or None
        The directory, or None outside a Dask worker (or without ``distributed``).
    """
    try:
        from distributed import get_worker

        return str(get_worker().local_directory)
    except (ImportError, ValueError, AttributeError):  # not in a worker: get_worker raises ValueError
        return None


def grade_task(task: GradingTask) -> dict[str, Any]:
    """Grade one task on this worker: what a Dask worker runs.

    Parameters
    ----------
    task : GradingTask
        From :func:`make_task` on the client.

    Returns
    -------
    dict
        The result document, exactly as :func:`grader.grading.grade_submission`
        makes it locally (not written: the client writes it).

    Raises
    ------
    WorkerMismatch
        If this worker's grader version, or its rubric of the assignment, differs
        from the client's (or it has no such rubric).
    GraderError
        If sandboxes cannot start on this worker (nothing was graded).
    OSError
        If the private temporary folder cannot be written.
    """
    rubric = _rubric_for(task)
    if task.file_name is None or task.error is not None:
        sub = Submission(task.assignment, task.student, Path(task.rel_path), None, task.kind, task.sha256,
                         task.rel_path, task.error or "no source file")
        return grade_submission(sub, rubric, task.limits)
    _preflight_once(task.limits)
    with tempfile.TemporaryDirectory(prefix="grader-task-", dir=task_folder_parent()) as tmp:
        source = Path(tmp) / Path(task.file_name).name
        source.write_bytes(task.content)
        sub = Submission(task.assignment, task.student, source.parent if task.kind == "package" else source,
                         source, task.kind, task.sha256, task.rel_path)
        return grade_submission(sub, rubric, task.limits)


def failed_document(sub: Submission, rubric: Rubric, why: str) -> dict[str, Any]:
    """The recorded grader error of a submission whose task failed on every try (a dead worker, a bug).

    Parameters
    ----------
    sub : Submission
        The submission.
    rubric : Rubric
        Its rubric.
    why : str
        What went wrong (the last error Dask reported).

    Returns
    -------
    dict
        A document with zero points, the error under ``errors`` (prefixed
        :data:`grader.grading.GRADER_BUG`: not the student's fault) and an
        empty ``submission_sha256``, so that the next run regrades it instead
        of keeping it as up to date. No sandbox is started.
    """
    message = f"{GRADER_BUG}: grading on the cluster failed on every try ({why}); the next run regrades it"
    failed = Submission(sub.assignment, sub.student, sub.path, None, sub.kind, "", sub.rel_path, message)
    return grade_submission(failed, rubric, Limits())
