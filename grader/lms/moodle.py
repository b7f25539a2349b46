"""Moodle grade import CSV ("Grades > Import > CSV file").

Layout (rules and sources in ``docs/lms-exports.md``, checked against
Moodle's ``grade/import/grade_import_form.php`` and
``grade/import/csv/classes/load_data.php``):

- one identifier column, headed with the label of the user field it holds
  (``Email address``, ``ID number`` or ``Username``), which Moodle's
  mapping form then selects by itself as "Map from" / "Map to";
- one column per grade item headed ``<item> (Real)``, where ``<item>`` is
  the item as Moodle displays it (``Assignment: Homework 2``): Moodle
  maps such a header to that grade item by itself;
- one row per roster student, in roster order: Moodle aborts the whole
  import on a user it cannot find, so only roster students are written;
- an empty cell is "no grade" for Moodle (as is ``-``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from grader.course.roster import Roster
from grader.errors import UsageError
from grader.gradebook import Document
from grader.lms.columns import AssignmentColumn, CsvStyle, Missing, grade_table, lms_warnings, title_of, write_csv

__all__ = ["MOODLE_IDENTIFIERS", "MOODLE_STYLE", "MoodleIdentifier", "moodle_header", "moodle_grades",
           "moodle_warnings", "write_moodle"]

#: The user field that identifies a student in the file.
MoodleIdentifier = Literal["email", "idnumber", "username"]

#: Moodle user field -> (column header = Moodle's label of the field, roster column).
MOODLE_IDENTIFIERS: dict[str, tuple[str, str]] = {
    "email": ("Email address", "email"),
    "idnumber": ("ID number", "sis_id"),
    "username": ("Username", "login"),
}
#: Comma-separated (the form's default), minimal quoting, CRLF, UTF-8 (the form's default) without BOM.
MOODLE_STYLE = CsvStyle(delimiter=",", quote_all=False, line_end="\r\n", bom=False)


def moodle_header(assignment: str, columns: Mapping[str, AssignmentColumn]) -> str:
    """The column header of ``assignment``: ``<grade item> (Real)``.

    The item is ``AssignmentColumn.moodle_item`` (as Moodle displays it),
    else the title, else the assignment id.
    """
    column = columns.get(assignment)
    item = column.moodle_item.strip() if column is not None else ""
    return f"{item or title_of(assignment, columns)} (Real)"


def moodle_grades(results: Iterable[Document], roster: Roster | None,
                  columns: Mapping[str, AssignmentColumn] | None = None,
                  assignments: Sequence[str] | None = None, identifier: MoodleIdentifier = "email",
                  missing: Missing = "empty") -> pd.DataFrame:
    """The Moodle import table: an identifier column, then one column per grade item.

    Parameters
    ----------
    results, assignments
        As :func:`grader.lms.canvas.canvas_gradebook`.
    roster : Roster or None
        The enrolled students; ``email``, ``sis_id`` (Moodle ``idnumber``) or
        ``login`` (Moodle ``username``) identifies them.
    columns : mapping of str to AssignmentColumn, optional
        Moodle grade items by assignment (default: the assignment id).
    identifier : {"email", "idnumber", "username"}
        The Moodle user field written in the first column.
    missing : {"empty", "zero"}
        A roster student without a document: an empty cell (default; Moodle
        reads it as "no grade") or 0.

    Returns
    -------
    pandas.DataFrame
        Columns ``Email address`` / ``ID number`` / ``Username``, then one
        float column per assignment (:func:`moodle_header`); one row per
        roster student in roster order.

    Raises
    ------
    UsageError
        If ``roster`` is None, a roster student has no value for the
        identifier (Moodle would abort the whole import), or two assignments
        have the same header.
    ResultError
        As :func:`grader.lms.columns.score_sheet`.
    """
    header, field = MOODLE_IDENTIFIERS[identifier]
    if roster is None:
        raise UsageError(f"moodle export needs a roster with {field} (pass --roster FILE.csv)")
    blank = [e.student for e in roster if not getattr(e, field)]
    if blank:
        raise UsageError(f"moodle export by {identifier}: roster student(s) {', '.join(blank)} have no {field}; "
                         "Moodle stops the whole import at a user it cannot find")
    known = columns or {}
    return grade_table(results, roster, assignments, identity=[header], header=lambda a: moodle_header(a, known),
                       who=lambda e: (getattr(e, field),), missing=missing, fmt="Moodle")


def moodle_warnings(results: Iterable[Document], roster: Roster,
                    columns: Mapping[str, AssignmentColumn] | None = None,
                    assignments: Sequence[str] | None = None) -> list[str]:
    """Unmatched students, and assignments whose Moodle grade item is not known (mapped by hand)."""
    return lms_warnings(results, roster, columns, assignments, fmt="moodle", field="moodle_item",
                        advice="no Moodle grade item for {}: Moodle maps a column by itself only to an item "
                        "displayed exactly as its header without ' (Real)'; otherwise choose the item in the "
                        "import's mapping form (or pass --lms-id ASSIGNMENT='Assignment: TITLE')")


def write_moodle(frame: pd.DataFrame, path: Path) -> None:
    r"""Write a :func:`moodle_grades` table as Moodle's CSV import reads it by default.

    UTF-8 without byte-order mark, comma-separated, fields quoted only when
    needed, ``\\r\\n`` line endings, empty cells for "no grade".

    Raises
    ------
    OSError
        If the file cannot be written; an existing file is left unchanged.
    """
    write_csv(frame, Path(path), MOODLE_STYLE)
