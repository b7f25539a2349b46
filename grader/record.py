"""Record stage: the layout of the output folder, and its manifest.

Result documents live at ``OUT/results/<assignment>/<student>.json``
(:func:`result_path`); their model, and the one atomic write and read of
them, are in :mod:`grader.results`. A document is written to a temporary
file in the same folder, flushed to disk, then renamed over the final name,
so a reader (or a run killed half-way) sees either the old document or the
new one, never a torn one; :func:`remove_partial_writes` cleans up the
temporary files of a killed run.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from grader.errors import UsageError
from grader.results import write_text_atomic

__all__ = ["result_path", "remove_partial_writes", "write_manifest", "locked"]


@contextlib.contextmanager
def locked(out: Path, name: str = ".grade.lock") -> Iterator[None]:
    """Hold the output folder's lock (created if needed) while writing to it, or refuse.

    Parameters
    ----------
    out : Path
        Output folder of a run; the lock file is ``out/.grade.lock``.
    name : str, optional
        Another lock file in ``out``: each shard of ``grade run --shard``
        holds its own (:mod:`grader.distributed.shard`).

    Yields
    ------
    None
        While the lock is held.

    Raises
    ------
    UsageError
        If another ``grade run`` (or ``grade override``) holds it.
    OSError
        If the folder cannot be created.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / name))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise UsageError(f"another 'grade run' is writing to {str(out)!r}; wait for it to "
                         "finish or choose another --out") from None
    try:
        yield
    finally:
        lock.release()


def result_path(out: Path, assignment: str, student: str) -> Path:
    """Where the document of (assignment, student) lives under the output folder.

    Parameters
    ----------
    out : Path
        Output folder of a run.
    assignment, student : str
        Ids of the document.

    Returns
    -------
    Path
        ``out/results/<assignment>/<student>.json``.
    """
    return Path(out) / "results" / assignment / f"{student}.json"


def remove_partial_writes(out: Path, owns: Callable[[str], bool] | None = None) -> int:
    """Delete temporary files left by a writer that was killed mid-write.

    Call only while holding the output folder's lock.

    Parameters
    ----------
    out : Path
        Output folder of a run; its ``results/<assignment>/.*.json.*.tmp`` are removed.
    owns : callable, optional
        Student id -> whether this run writes that student's documents (a
        shard of a shared folder removes only its own); default: every student.

    Returns
    -------
    int
        How many were removed.
    """
    removed = 0
    for tmp in Path(out).glob("results/*/.*.json.*.tmp"):
        if owns is not None and not owns(tmp.name[1:].split(".json.", 1)[0]):
            continue
        try:
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def reports_anonymised(out: Path) -> bool:
    """Whether the last ``grade run`` into ``out`` anonymised its reports (its manifest says so).

    Parameters
    ----------
    out : Path
        Output folder.

    Returns
    -------
    bool
        False when there is no readable manifest or it predates the field.
    """
    try:
        return bool(json.loads((Path(out) / "manifest.json").read_text()).get("anonymise", False))
    except (OSError, ValueError, AttributeError):
        return False


def write_manifest(out: Path, rubrics: dict[str, Any], limits: Any, isolation_missing: tuple[str, ...],
                   anonymise: bool = False) -> Path:
    """Write ``OUT/manifest.json``: what graded the results (versions, rubrics, limits).

    Parameters
    ----------
    out : Path
        Output folder.
    rubrics : dict
        Assignment -> :class:`~grader.rubric.Rubric` used by the run.
    limits : Limits
        Sandbox limits of the run.
    isolation_missing : tuple of str
        Protections the host lacked.
    anonymise : bool, optional
        Whether the reports show pseudonyms (``grade report`` and ``grade
        override`` keep the mode when they re-render).

    Returns
    -------
    Path
        The manifest's path.

    Raises
    ------
    OSError
        If it cannot be written (an existing manifest is then left unchanged).
    """
    import dataclasses
    import datetime
    import platform
    from importlib import metadata

    import grader

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    manifest = {
        "grader_version": grader.__version__,
        "written_at": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "python": platform.python_version(),
        "packages": {n: version(n) for n in ("torch", "numpy", "scipy", "pandas", "nbformat", "jinja2")},
        "rubrics": {name: {"sha256": r.sha256, "max_score": r.max_score,
                           "functions": {f.name: f.points for f in r.functions},
                           "manual": {m.item: m.points for m in r.manual}}
                    for name, r in sorted(rubrics.items())},
        "limits": dataclasses.asdict(limits),
        "isolation_missing": list(isolation_missing),
        "anonymise": bool(anonymise),
    }
    path = Path(out) / "manifest.json"
    write_text_atomic(path, json.dumps(manifest, indent=1) + "\n")
    return path
