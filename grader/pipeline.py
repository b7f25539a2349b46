"""The grading pipeline: discover -> load -> execute -> judge -> record -> render / export.

:func:`run` is one ``grade run``: it finds the submissions, holds the output
folder's lock, checks that sandboxes start, grades what is not up to date
(:func:`grade_all`), merges the instructors' manual scores, and writes the
reports, the gradebook, the manifest and the similarity report
(:mod:`grader.publish`). :func:`grade_all` grades many
submissions with a :class:`grader.dispatch.Dispatch` (threads here, or a
Dask cluster: :mod:`grader.distributed`), skipping those whose document is up to
date (same content hash, rubric and grader version) and writing each
document as soon as it is ready, so an interrupted run loses nothing already
graded. One submission is graded by :func:`grade_submission`
(:mod:`grader.grading`).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grader
from grader.discover import Submission, discover
from grader.dispatch import Dispatch, LocalDispatch
from grader.distributed.shard import Shard, remove_own_partial_writes
from grader.errors import GRADER_BUG, UsageError
from grader.events import RunEvents, RunSummary
from grader.isolation import detect
from grader.limits import Limits
from grader.manual import apply_manual, manual_scores_of, read_manual_scores
from grader.prestart import preflight_overlapped
from grader.publish import merge_manual, publish
from grader.record import locked, remove_partial_writes, result_path, write_manifest
from grader.rescore import carry_overrides, overrides_of
from grader.results import SCHEMA_VERSION, ResultError, read_result, write_result
from grader.roster_runs import ClassContext, settle_roster
from grader.rubric import Rubric, check_registries, load_rubrics, with_term

if TYPE_CHECKING:
    from grader.course.late import LatePolicy
    from grader.course.roster import Roster

__all__ = ["GRADER_BUG", "grade_all", "run", "RunEvents", "RunSummary", "is_up_to_date",
           "available_cpus"]

_DEFAULT_LIMITS = Limits()


def is_up_to_date(doc: Mapping[str, Any] | None, sub: Submission, rubric: Rubric) -> bool:
    """Whether a stored document already grades this exact submission with this rubric.

    Parameters
    ----------
    doc : dict or None
        The stored result document, if any.
    sub : Submission
        The submission as discovered now.
    rubric : Rubric
        Its assignment's rubric as loaded now.

    Returns
    -------
    bool
        True if content hash, rubric hash, grader version and schema version all match.

    Notes
    -----
    Only grading (running the student's code) depends on this. What needs
    re-scoring only (a changed late policy or roster extension, an override,
    manual scores) is applied to every kept document by :func:`grade_all`
    without running code (:class:`grader.roster_runs.ClassContext`), and the
    document is rewritten if that changed it.
    """
    if not doc:
        return False
    return doc.get("submission_sha256") == sub.sha256 and bool(sub.sha256) and \
        doc.get("rubric_sha256") == rubric.sha256 and doc.get("grader_version") == grader.__version__ \
        and doc.get("schema_version") == SCHEMA_VERSION


def _stored(path: Path) -> tuple[dict[str, Any] | None, Mapping[str, Any] | None]:
    """The valid document at ``path`` (or None), and any readable one, valid or not (or None)."""
    try:
        doc = read_result(path)
    except OSError:
        return None, None
    except ResultError as exc:  # not usable, but its instructor scores survive the regrade
        raw = exc.document
        return None, (raw if isinstance(raw, Mapping) else None)
    return doc, doc


def grade_all(submissions: Iterable[Submission], rubrics: dict[str, Rubric], out: Path,
              limits: Limits, workers: int = 1, force: bool = False,
              progress: Callable[[Submission, dict[str, Any]], None] | None = None,
              before_grading: Callable[[], None] | None = None, *, roster: Roster | None = None,
              late_policies: Mapping[str, LatePolicy] | None = None,
              warn: Callable[[str], None] | None = None, dispatch: Dispatch | None = None,
              shard: Shard | None = None) -> RunSummary:
    """Grade many submissions, writing each document as soon as it is ready.

    Parameters
    ----------
    submissions : iterable of Submission
        What to grade.
    rubrics : dict
        Assignment name -> rubric.
    out : Path
        Output folder (documents under ``out/results``).
    limits : Limits
        Sandbox limits.
    workers : int
        Submissions graded at once (one sandbox each).
    force : bool
        Regrade even up-to-date documents.
    progress : callable, optional
        Called with each submission and its document when it is done.
    before_grading : callable, optional
        Called once before the first submission that needs grading (not at
        all when every result is up to date): the sandbox preflight.
    roster : Roster, optional
        Enrolled students: each one without a submission gets a ``missing``
        document for every assignment of the run, submissions of students
        not on it are graded and listed in ``not_on_roster`` (see
        :mod:`grader.roster_runs`); extensions shift due dates.
    late_policies : mapping, optional
        Assignment -> late policy; submission times come from the assignment
        folder's ``index.csv``, else the file's modification time.
    warn : callable, optional
        Told about times taken from modification times and graded results
        kept without a submission.
    dispatch : Dispatch, optional
        Where submissions are graded (default: ``workers`` threads here,
        :class:`grader.dispatch.LocalDispatch`; a Dask cluster:
        :func:`grader.distributed.dask_executor.connect`); closed at the end.
        Documents are written here, as each one completes.
    shard : Shard, optional
        Grade (and give ``missing`` documents to) only this slice of the
        students; the others' documents are left alone (:mod:`grader.distributed.shard`).

    Returns
    -------
    RunSummary
        ``graded``, ``skipped``, ``documents``, ``missing`` and ``not_on_roster`` filled in.

    Raises
    ------
    GraderError
        If a document cannot be written (a bug: see :func:`grader.results.write_result`).
    UsageError
        If an ``index.csv`` is unusable (see :func:`grader.roster_runs.read_index`).
    OSError
        If the output folder is not writable.
    """
    summary = RunSummary()
    warn = warn or (lambda message: None)
    context = ClassContext(roster, late_policies, warn)
    submissions = list(submissions)
    context.read_indexes(submissions)
    todo = []
    for sub in shard.select(submissions) if shard else submissions:
        existing = None if force else _stored(result_path(out, sub.assignment, sub.student))[0]
        if existing is not None and is_up_to_date(existing, sub, rubrics[sub.assignment]):
            if context.rescore(existing, sub):  # no code runs: late policy, roster, totals
                write_result(result_path(out, sub.assignment, sub.student), existing)
            summary.skipped.append(f"{sub.assignment}/{sub.student}")
            summary.documents.append(existing)
            if progress:
                progress(sub, existing)
        else:
            todo.append(sub)

    def record(sub: Submission, doc: dict[str, Any]) -> dict[str, Any]:  # on this machine, whoever graded
        path = result_path(out, sub.assignment, sub.student)
        previous = _stored(path)[1]
        if previous is not None:  # instructor scores and overrides survive a regrade
            apply_manual(doc, rubrics[sub.assignment], manual_scores_of(previous))
            for function in carry_overrides(doc, overrides_of(previous)):
                warn(f"{sub.assignment}/{sub.student}: override of {function} dropped: no such function now")
        context.rescore(doc, sub)
        write_result(path, doc)
        return doc

    if todo and before_grading is not None:
        before_grading()
    with dispatch or LocalDispatch(workers) as pool:
        futures = {pool.submit(sub, rubrics[sub.assignment], limits): sub for sub in todo}
        for future in as_completed(futures):
            sub = futures[future]
            doc = record(sub, pool.result(future, sub, rubrics[sub.assignment]))
            summary.graded.append(f"{sub.assignment}/{sub.student}")
            summary.documents.append(doc)
            if progress:
                progress(sub, doc)
    if roster is not None:
        settled = settle_roster(submissions, rubrics, out, shard.roster(roster) if shard else roster, force, warn)
        summary.documents.extend(settled.documents)
        summary.missing, summary.not_on_roster = settled.missing, settled.not_on_roster
    summary.documents.sort(key=lambda d: (d["assignment"], d["student"]))
    return summary


def __getattr__(name: str) -> Any:
    """``grade_submission``, imported on first use (with it torch and every check kind)."""
    if name == "grade_submission":
        from grader.grading import grade_submission

        return grade_submission
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _isolation_missing(limits: Limits) -> tuple[str, ...]:
    try:
        return detect(limits.isolation).missing
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None


def available_cpus() -> int:
    """CPUs this process may use: the default number of workers.

    Returns
    -------
    int
        At least 1: the affinity mask, capped by a cgroup CPU quota (rounded
        up), as :func:`joblib.cpu_count` reads them (``LOKY_MAX_CPU_COUNT``
        overrides).
    """
    import joblib

    return max(1, int(joblib.cpu_count()))


def _connect(scheduler: str | None) -> Dispatch | None:
    """The Dask cluster's dispatch, connected (:func:`grader.distributed.dask_executor.connect`), or None."""
    if scheduler is None:
        return None
    from grader.distributed.dask_executor import connect

    return connect(scheduler)


def _closing(dispatch: Dispatch | None) -> contextlib.AbstractContextManager[object]:
    return dispatch if dispatch is not None else contextlib.nullcontext()


def run(path: Path, out: Path, *, assignment: str | None = None, rubrics_dir: Path | None = None,
        limits: Limits = _DEFAULT_LIMITS, workers: int | None = None, force: bool = False,
        manual_csv: Path | None = None, events: RunEvents | None = None, roster: Roster | None = None,
        late_policies: Mapping[str, LatePolicy] | None = None, term: str = "",
        similarity_threshold: float | None = None, anonymise: bool = False, scheduler: str | None = None,
        shard: Shard | None = None) -> RunSummary:
    """Grade every submission under ``path`` into ``out``: the whole of ``grade run``.

    Parameters
    ----------
    path : Path
        A folder of assignment folders, or one assignment folder (see
        :func:`grader.discover.discover`).
    out : Path
        Output folder: ``results/``, ``reports/``, ``gradebook.csv`` and
        ``manifest.json`` are written here; created if needed.
    assignment : str, optional
        Grade ``path`` as this assignment instead of inferring it from folder names.
    rubrics_dir : Path, optional
        Folder of rubric files (default: the project's ``rubrics/``).
    limits : Limits, optional
        Sandbox limits (default: :class:`~grader.limits.Limits`' defaults).
    workers : int, optional
        Submissions graded at once, each in its own sandbox (default:
        :func:`available_cpus`).
    force : bool, optional
        Regrade even the submissions whose result is up to date.
    manual_csv : Path, optional
        Instructor scores for written parts (see :func:`grader.manual.read_manual_scores`).
    events : RunEvents, optional
        Told about skipped files, warnings and progress as they happen.
    roster : Roster, optional
        Enrolled students: ``missing`` documents for those without a
        submission, a warning per submission of a student not on it (see :func:`grade_all`).
    late_policies : mapping, optional
        Assignment -> late policy (see :func:`grade_all`).
    term : str, optional
        The course's salt of hidden inputs (:func:`grader.rubric.with_term`).
    similarity_threshold : float, optional
        From which similarity a pair of submissions is shown in the
        similarity report (:func:`grader.publish.similarity_reports`).
    anonymise : bool, optional
        Pseudonyms instead of ids in reports, overview and similarity report
        (:func:`grader.publish.publish`; keyed by ``term``).
    scheduler : str, optional
        Grade on the Dask cluster of this scheduler (``tcp://HOST:8786``;
        :mod:`grader.distributed.dask_executor`) instead of ``workers`` threads here.
    shard : Shard, optional
        Grade only this slice of the students, writing only their documents and
        the manifest (:mod:`grader.distributed.shard`).

    Returns
    -------
    RunSummary
        What was graded and kept, every document, the warnings and the time taken.

    Raises
    ------
    UsageError
        If ``path``, ``assignment`` or ``manual_csv`` is unusable,
        another run holds the lock on ``out``, or ``--isolation bwrap`` is
        asked for where bubblewrap does not work, or Dask is not installed for ``scheduler``.
    RubricError
        If a rubric is invalid: its file at once, what it names (check kinds,
        cases, references) while the sandbox starts, before anything is graded.
    GraderError
        If sandboxes cannot start on this machine, or the scheduler cannot be
        reached (nothing is graded then), or a Dask worker refuses a task.
    OSError
        If the output folder is not writable.
    """
    events = events or RunEvents()
    loaded = load_rubrics(rubrics_dir, registries=False)  # checked while the sandbox starts: both import torch
    check_rubrics = functools.cache(lambda: check_registries(loaded, rubrics_dir))
    rubrics = {name: with_term(rubric, term) for name, rubric in loaded.items()}
    found = discover(path, rubrics, assignment)
    manual = read_manual_scores(manual_csv, rubrics) if manual_csv else None
    mine = shard.select(found.submissions) if shard else found.submissions
    manual = shard.manual(manual) if shard else manual
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        events.warning(message)

    dispatch = _connect(scheduler)  # before the lock: an unreachable scheduler writes nothing
    with _closing(dispatch), locked(out, shard.lock_name if shard else ".grade.lock"):
        _ = remove_own_partial_writes(out, shard) if shard else remove_partial_writes(out)
        for line in found.skipped:
            events.skipped(line)
        missing = _isolation_missing(limits)
        for line in missing:
            warn(f"sandbox: {line}")
        start = time.perf_counter()
        events.started(len(mine))
        summary = grade_all(found.submissions, rubrics, out, limits, workers or available_cpus(), force,
                            events.graded, before_grading=check_rubrics if dispatch else
                            lambda: preflight_overlapped(limits, check_rubrics),
                            roster=roster, late_policies=late_policies, warn=warn, dispatch=dispatch, shard=shard)
        check_rubrics()  # done already unless nothing was graded
        events.finished()
        for name, student in summary.not_on_roster:
            warn(f"{name}/{student}: graded, but {student} is not on the roster")
        if manual is not None:
            merge_manual(summary.documents, rubrics, manual, out, warn)
        if shard is not None:  # the class-wide pages need every shard: grade report, or a last grade run
            write_manifest(out, rubrics, limits, missing, anonymise)
        else:
            publish(out, rubrics, limits, missing, submissions=found.submissions,
                    similarity_threshold=similarity_threshold, anonymise=anonymise, salt=term)
    summary.warnings = warnings
    summary.seconds = time.perf_counter() - start
    return summary
