"""Blackboard Learn (original) Grade Center upload ("Work Offline > Upload").

Layout (rules and sources in ``docs/lms-exports.md``, checked against
Blackboard's help "Uploading External Grade Center Items"):

- columns ``Last Name``, ``First Name``, ``Username``, ``Student ID`` as
  in Blackboard's own download; ``Username`` is the key (required), and
  name changes are not processed by the upload;
- one column per assignment headed ``Title |column id|``; without a known
  column id just ``Title``, which makes Blackboard create a new text column
  with 0 points possible;
- a comma-delimited file with every value in quotation marks (Blackboard
  requires the quotes in comma files), one row per roster student;
- an empty cell for a roster student without a submission.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from grader.course.roster import Roster
from grader.errors import UsageError
from grader.gradebook import Document
from grader.lms.columns import AssignmentColumn, CsvStyle, Missing, grade_table, lms_warnings, title_of, write_csv

__all__ = ["BLACKBOARD_IDENTITY", "BLACKBOARD_STYLE", "blackboard_header", "blackboard_grades", "split_name",
           "blackboard_warnings", "write_blackboard"]

#: The student columns of Blackboard's own download, in its order.
BLACKBOARD_IDENTITY = ("Last Name", "First Name", "Username", "Student ID")
#: Comma-delimited, every field quoted, CRLF, UTF-8 without byte-order mark.
BLACKBOARD_STYLE = CsvStyle(delimiter=",", quote_all=True, line_end="\r\n", bom=False)


def blackboard_header(assignment: str, columns: Mapping[str, AssignmentColumn]) -> str:
    """The column header of ``assignment``: ``Title |column id|``, or ``Title`` when the id is unknown.

    Raises
    ------
    UsageError
        If the column id is not digits, or the title contains ``|`` or is one
        of the student columns.
    """
    title = title_of(assignment, columns)
    column = columns.get(assignment)
    column_id = column.blackboard_column.strip().strip("|") if column is not None else ""
    if column_id and not column_id.isdigit():
        raise UsageError(f"Blackboard column id {column_id!r} of {assignment!r} is not a number "
                         "(see the column's 'Quick Column Information')")
    if "|" in title or title in BLACKBOARD_IDENTITY:
        raise UsageError(f"Blackboard title {title!r} of {assignment!r} contains '|' or is a student column")
    return f"{title} |{column_id}|" if column_id else title


def split_name(name: str) -> tuple[str, str]:
    """(last, first) of a roster name: "Lovelace, Ada" or "Ada Lovelace" -> ("Lovelace", "Ada").

    Only for Blackboard's ``Last Name`` / ``First Name`` columns, which its
    upload does not process; a single word is taken as the last name.
    """
    if "," in name:
        last, _, first = name.partition(",")
        return last.strip(), first.strip()
    first, _, last = name.strip().rpartition(" ")
    return last.strip(), first.strip()


def blackboard_grades(results: Iterable[Document], roster: Roster | None,
                      columns: Mapping[str, AssignmentColumn] | None = None,
                      assignments: Sequence[str] | None = None, missing: Missing = "empty") -> pd.DataFrame:
    """The Blackboard upload table: student columns, then one column per Grade Center column.

    Parameters
    ----------
    results, assignments, missing
        As :func:`grader.lms.canvas.canvas_gradebook`.
    roster : Roster or None
        The enrolled students; ``login`` is Blackboard's ``Username``,
        ``sis_id`` its ``Student ID``, ``name`` gives the name columns.
    columns : mapping of str to AssignmentColumn, optional
        Titles and Grade Center column ids by assignment.

    Returns
    -------
    pandas.DataFrame
        Columns ``Last Name``, ``First Name``, ``Username``, ``Student ID``,
        then one float column per assignment (:func:`blackboard_header`); one
        row per roster student in roster order.

    Raises
    ------
    UsageError
        If ``roster`` is None, a roster student has no ``login`` (the upload
        fails on a row without a username), or a header is invalid or repeated.
    ResultError
        As :func:`grader.lms.columns.score_sheet`.
    """
    if roster is None:
        raise UsageError("blackboard export needs a roster with login (pass --roster FILE.csv)")
    blank = [e.student for e in roster if not e.login]
    if blank:
        raise UsageError(f"blackboard export: roster student(s) {', '.join(blank)} have no login; "
                         "Blackboard's upload needs the Username of every row")
    known = columns or {}
    return grade_table(results, roster, assignments, identity=BLACKBOARD_IDENTITY,
                       header=lambda a: blackboard_header(a, known),
                       who=lambda e: (*split_name(e.name), e.login, e.sis_id), missing=missing, fmt="Blackboard")


def blackboard_warnings(results: Iterable[Document], roster: Roster,
                        columns: Mapping[str, AssignmentColumn] | None = None,
                        assignments: Sequence[str] | None = None) -> list[str]:
    """Unmatched students, and assignments without a column id (they become new text columns)."""
    return lms_warnings(results, roster, columns, assignments, fmt="blackboard", field="blackboard_column",
                        advice="no Blackboard column id for {}: the upload creates NEW text columns with 0 points "
                        "possible; give the id (--lms-id ASSIGNMENT=ID)")


def write_blackboard(frame: pd.DataFrame, path: Path) -> None:
    r"""Write a :func:`blackboard_grades` table as Blackboard's comma upload reads it.

    UTF-8 without byte-order mark, comma-delimited, every field in double
    quotes (also empty ones), ``\\r\\n`` line endings.

    Raises
    ------
    OSError
        If the file cannot be written; an existing file is left unchanged.
    """
    write_csv(frame, Path(path), BLACKBOARD_STYLE)
