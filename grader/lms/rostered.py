"""The long and wide gradebooks with a roster: every roster student appears, everyone else is flagged.

Without a roster the gradebooks are :func:`grader.gradebook.gradebook_long`
and :func:`grader.gradebook.gradebook_wide`, unchanged. With one, these
functions start from the same tables and add:

- a row for each roster student without a result document: in the long
  table one per assignment of the data, scored 0 (``roster_status``
  ``missing``); in the wide table one per student who has no document at
  all (its assignment cells are empty, as for any absent document, and its
  ``total`` is 0);
- a last column ``roster_status``: ``graded`` / ``missing`` / ``not on
  roster`` (long), ``on roster`` / ``not on roster`` (wide). Documents of
  students not on the roster are kept: they were graded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from grader.course.roster import Roster
from grader.gradebook import CSV_DECIMALS, Document, gradebook_long, gradebook_wide
from grader.results import ResultError, as_document, load_results, natural_key, write_text_atomic

__all__ = ["ROSTER_STATUS", "rostered_long", "rostered_wide", "write_rostered_gradebook"]

#: Name of the column added to the gradebooks when a roster is given.
ROSTER_STATUS = "roster_status"


def _check_name(frame: pd.DataFrame) -> None:
    if ROSTER_STATUS in frame.columns:
        raise ResultError(f"a gradebook column is already named {ROSTER_STATUS!r}; rename that function")


def _sort(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    order = sorted(range(len(frame)), key=lambda i: tuple(natural_key(str(frame[k].iloc[i])) for k in keys))
    return frame.iloc[order].reset_index(drop=True)


def rostered_long(results: Iterable[Document], roster: Roster) -> pd.DataFrame:
    """:func:`~grader.gradebook.gradebook_long` plus a 0-scored row per missing (roster student, assignment).

    Parameters
    ----------
    results : iterable of dict or ResultDocument
        Result documents, in any order.
    roster : Roster
        The enrolled students.

    Returns
    -------
    pandas.DataFrame
        The long table's columns, then ``roster_status`` (``graded``,
        ``missing`` or ``not on roster``). A missing row has 0.0 in the
        functions of its assignment (NaN in the others), NaN ``manual``,
        ``score`` 0.0 and the assignment's ``max_score``. Rows sorted by
        (assignment, student) as in the long table.

    Raises
    ------
    ResultError
        As :func:`~grader.gradebook.gradebook_long`; also if a column is
        already named ``roster_status``.
    """
    docs = [as_document(d) for d in results]
    frame = gradebook_long(docs)
    _check_name(frame)
    enrolled = set(roster.students)
    # a run with a roster already wrote a ``missing`` document for each student who did not submit
    missing = {(d.student, d.assignment) for d in docs if d.status == "missing"}
    status = ["not on roster" if s not in enrolled else "missing" if (s, a) in missing else "graded"
              for s, a in zip(frame["student"], frame["assignment"], strict=True)]
    functions = [c for c in frame.columns[2:] if c not in ("manual", "score", "max_score")]
    added: list[dict[str, Any]] = []
    for assignment in dict.fromkeys(frame["assignment"]):
        rows = frame[frame["assignment"] == assignment]
        have = set(rows["student"])
        belongs = [f for f in functions if rows[f].notna().any()]
        for student in (s for s in roster.students if s not in have):
            row: dict[str, Any] = {c: math.nan for c in frame.columns}
            row.update({f: 0.0 for f in belongs})
            row.update(student=student, assignment=assignment, score=0.0, max_score=float(rows["max_score"].max()))
            added.append(row)
    out = frame.assign(**{ROSTER_STATUS: status})
    if added:
        extra = pd.DataFrame(added, columns=list(frame.columns)).assign(**{ROSTER_STATUS: "missing"})
        extra[list(frame.columns[2:])] = extra[list(frame.columns[2:])].astype("float64")
        out = pd.concat([out, extra], ignore_index=True)
    return _sort(out, ["assignment", "student"])


def rostered_wide(results: Iterable[Document], roster: Roster) -> pd.DataFrame:
    """:func:`~grader.gradebook.gradebook_wide` plus a row per roster student without any document.

    Parameters
    ----------
    results, roster
        As :func:`rostered_long`.

    Returns
    -------
    pandas.DataFrame
        The wide table's columns, then ``roster_status`` (``on roster`` or
        ``not on roster``). An added student has NaN assignment cells,
        ``total`` 0.0 and the course's ``max_total``. Rows sorted by student.

    Raises
    ------
    ResultError
        As :func:`~grader.gradebook.gradebook_wide`; also if a column is
        already named ``roster_status``.
    """
    frame = gradebook_wide(results)
    _check_name(frame)
    max_total = float(frame["max_total"].iloc[0]) if len(frame) else 0.0
    have = set(frame["student"])
    added = [{"student": s, "total": 0.0, "max_total": max_total} for s in roster.students if s not in have]
    out = frame
    if added:
        extra = pd.DataFrame(added, columns=list(frame.columns))
        extra[list(frame.columns[1:])] = extra[list(frame.columns[1:])].astype("float64")
        out = pd.concat([frame, extra], ignore_index=True)
    enrolled = set(roster.students)
    out = out.assign(**{ROSTER_STATUS: ["on roster" if s in enrolled else "not on roster" for s in out["student"]]})
    return _sort(out, ["student"])


def write_rostered_gradebook(results_dir: Path, out_csv: Path, roster: Roster, wide: bool = False) -> pd.DataFrame:
    r"""Load the result documents and write :func:`rostered_long` or :func:`rostered_wide` as CSV, atomically.

    The file is written exactly like :func:`grader.gradebook.write_gradebook`
    (floats rounded to ``CSV_DECIMALS``, empty cells for NaN, no index,
    ``"\\n"`` line endings).

    Returns
    -------
    pandas.DataFrame
        The table as written.

    Raises
    ------
    ResultsFolderMissing, ResultError, OSError
        As :func:`grader.gradebook.write_gradebook`.
    """
    results = load_results(results_dir)
    frame = rostered_wide(results, roster) if wide else rostered_long(results, roster)
    frame = frame.round(CSV_DECIMALS)
    write_text_atomic(Path(out_csv), frame.to_csv(index=False, lineterminator="\n"))
    return frame
