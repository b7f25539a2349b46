"""Record stage: one JSON result document per (student, assignment), written atomically.

Documents live at ``OUT/results/<assignment>/<student>.json``. A document is
written to a temporary file in the same folder, flushed to disk, then
renamed over the final name, so a reader (or a run killed half-way) sees
either the old document or the new one, never a torn one. The schema is
described in the README ("Result documents").
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_VERSION", "result_path", "write_json_atomic", "read_result", "remove_partial_writes",
           "write_manifest"]

#: Version of the result document layout.
SCHEMA_VERSION = 1


def result_path(out: Path, assignment: str, student: str) -> Path:
    """Where the document of (assignment, student) lives under the output folder."""
    return Path(out) / "results" / assignment / f"{student}.json"


def write_json_atomic(path: Path, document: dict[str, Any]) -> None:
    """Write JSON to ``path`` atomically (temp file + fsync + rename).

    Parameters
    ----------
    path : Path
        Final location; parent folders are created.
    document : dict
        JSON-serialisable (NaN is written as ``NaN``).

    Raises
    ------
    OSError
        If the folder is not writable.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(document, fh, indent=1, sort_keys=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_result(path: Path) -> dict[str, Any] | None:
    """Read a result document, or ``None`` if it is missing or unreadable."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def remove_partial_writes(out: Path) -> int:
    """Delete temporary files left by a writer that was killed mid-write.

    Call only while holding the output folder's lock.

    Returns
    -------
    int
        How many were removed.
    """
    removed = 0
    for tmp in Path(out).glob("results/*/.*.json.*.tmp"):
        try:
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def write_manifest(out: Path, rubrics: dict[str, Any], limits: Any, isolation_missing: tuple[str, ...]) -> Path:
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

    Returns
    -------
    Path
        The manifest's path.
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
    }
    path = Path(out) / "manifest.json"
    write_json_atomic(path, manifest)
    return path
