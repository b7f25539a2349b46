"""Instructor overrides of auto-graded functions: ``grade override``.

:func:`apply_override` sets the points of one function in a stored result
document, with a required reason, and appends a row to ``OUT/overrides.csv``
(``student, assignment, function, old_points, new_points, reason, by, at``).
No code runs: the document is re-scored where it is
(:func:`grader.rescore.recompute_totals`, late penalty included). The
override stands across regrades: a changed submission's new document carries
it, with the new auto score in ``auto_points`` (see :mod:`grader.pipeline`).
Overriding a function again replaces the earlier override (both rows stay in
the CSV).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from pathlib import Path

from grader.errors import UsageError
from grader.record import locked, result_path
from grader.rescore import recompute_totals
from grader.results import Override, read_result, write_result, write_text_atomic

__all__ = ["OVERRIDES_CSV", "CSV_COLUMNS", "apply_override"]

#: The log of every override, in the output folder.
OVERRIDES_CSV = "overrides.csv"
#: Its columns.
CSV_COLUMNS = ("student", "assignment", "function", "old_points", "new_points", "reason", "by", "at")


def _append_row(path: Path, row: list[str]) -> None:
    """Append one row to the CSV (header first if new), rewriting the file atomically."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not old:
        writer.writerow(CSV_COLUMNS)
    writer.writerow(row)
    write_text_atomic(path, old + buffer.getvalue())


def apply_override(out: Path, student: str, assignment: str, function: str, points: float, reason: str,
                   by: str) -> Override:
    """Set the points of one auto-graded function of a stored result, and log it.

    Parameters
    ----------
    out : Path
        Output folder of a ``grade run`` (``out/results/<assignment>/<student>.json``).
    student, assignment : str
        Which document.
    function : str
        One of its items.
    points : float
        The new points, from 0 to the function's ``max_score``.
    reason : str
        Why (required, non-empty; shown in the report).
    by : str
        Who sets it.

    Returns
    -------
    Override
        The override now standing in the document.

    Raises
    ------
    UsageError
        If the reason is empty, the output folder is locked by a run, there is
        no such document (or it is a ``missing`` one: nothing was submitted),
        no such function in it, or ``points`` is not a number in 0..max.
    ResultError
        If the stored document is invalid (a ``UsageError`` too).
    OSError
        If a file cannot be written (the document is then left as it was).
    """
    reason = reason.strip()
    if not reason:
        raise UsageError("--reason must not be empty: say why the points are overridden")
    path = result_path(out, assignment, student)
    with locked(out):
        try:
            doc = read_result(path)
        except FileNotFoundError:
            raise UsageError(f"no result for {student!r} in {assignment!r} under {str(out)!r}: "
                             "run 'grade run' first (or check the ids)") from None
        if doc.get("status") == "missing":
            raise UsageError(f"{student!r} has no submission for {assignment!r}: there are no "
                             "auto-graded points to override")
        items = {i["function"]: i for i in doc["items"]}
        if function not in items:
            raise UsageError(f"{assignment} has no function {function!r} in {student}'s result; "
                             f"known: {', '.join(items)}")
        item = items[function]
        if not (math.isfinite(points) and 0 <= points <= item["max_score"]):
            raise UsageError(f"points {points:g} outside 0..{item['max_score']:g} for {function}")
        standing = [o for o in doc.get("overrides", []) if o["function"] != function]
        earlier = next((o for o in doc.get("overrides", []) if o["function"] == function), None)
        old = float(item["score"])
        at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        override = Override(function=function, points=float(points), reason=reason, by=by, at=at,
                            auto_points=float(earlier["auto_points"] if earlier else old))
        item["score"] = override.points
        doc["overrides"] = [*standing, override.model_dump()]
        recompute_totals(doc)
        write_result(path, doc)
        _append_row(Path(out) / OVERRIDES_CSV, [student, assignment, function, f"{old:g}",
                                                f"{override.points:g}", reason, by, at])
    return override
