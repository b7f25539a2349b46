"""Canvas gradebook import CSV ("Grades > Import").

Layout (rules and sources in ``docs/lms-exports.md``, checked against
Canvas's own importer, ``app/models/gradebook_importer.rb`` of
instructure/canvas-lms):

- header ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per assignment titled ``Title (canvas assignment id)``, or just
  ``Title`` when the id is unknown (Canvas then matches the title exactly,
  or creates a new assignment);
- a second row whose first cell is ``Points Possible`` with each
  assignment's ``max_score`` (used when Canvas creates the assignment);
- one row per roster student, in roster order; ``ID`` is the Canvas user
  id (``lms_id``), which Canvas tries first, then ``SIS User ID``, then
  ``SIS Login ID``, then the name;
- no total columns (Canvas would take ``total`` for a new assignment);
- an empty cell is "no score" (a roster student without a submission).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from grader.course.roster import Roster
from grader.errors import UsageError
from grader.gradebook import Document
from grader.lms.columns import AssignmentColumn, CsvStyle, Missing, grade_table, lms_warnings, title_of, write_csv

__all__ = ["CANVAS_IDENTITY", "CANVAS_STYLE", "POINTS_POSSIBLE", "canvas_header", "canvas_gradebook",
           "canvas_warnings", "write_canvas"]

#: The student columns, in Canvas's order (``Integration ID`` is optional and left out).
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: First cell of the row of points possible (Canvas looks for this text in the first cell).
POINTS_POSSIBLE = "Points Possible"
#: Comma-separated, minimal quoting, CRLF, UTF-8 without byte-order mark.
CANVAS_STYLE = CsvStyle(delimiter=",", quote_all=False, line_end="\r\n", bom=False)

#: Header texts Canvas strips as read-only (any header containing one) or reserves for students.
_CANVAS_READ_ONLY = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points",
                     "Final Grade", "Override Score", "Override Grade", "Override Status")
_CANVAS_RESERVED = (*CANVAS_IDENTITY, "LastName", "FirstName", "Integration ID", "Root Account")


def canvas_header(assignment: str, columns: Mapping[str, AssignmentColumn]) -> str:
    """The column header of ``assignment``: ``Title (id)``, or ``Title`` when the Canvas id is unknown.

    Raises
    ------
    UsageError
        If the Canvas id is not digits, or the title would be read by Canvas
        as a student or read-only column (``Section``, ``Final Score``, ...).
    """
    title = title_of(assignment, columns)
    column = columns.get(assignment)
    canvas_id = column.canvas_id.strip() if column is not None else ""
    if canvas_id and not canvas_id.isdigit():
        raise UsageError(f"Canvas assignment id {canvas_id!r} of {assignment!r} is not a number "
                         "(it is the number in the assignment's Canvas address .../assignments/<id>)")
    if title in _CANVAS_RESERVED or any(word in title for word in _CANVAS_READ_ONLY):
        raise UsageError(f"Canvas title {title!r} of {assignment!r} would be read as a student or "
                         "read-only column by Canvas; give the assignment another title")
    return f"{title} ({canvas_id})" if canvas_id else title


def _check_identities(roster: Roster) -> None:
    unidentified = [e.student for e in roster if not (e.lms_id or e.sis_id or e.login)]
    if unidentified:
        raise UsageError(f"canvas export: roster student(s) {', '.join(unidentified)} have no lms_id, "
                         "sis_id or login, so Canvas could match them only by name; add lms_id (the Canvas "
                         "user id) to the roster")


def canvas_gradebook(results: Iterable[Document], roster: Roster | None,
                     columns: Mapping[str, AssignmentColumn] | None = None,
                     assignments: Sequence[str] | None = None, missing: Missing = "empty") -> pd.DataFrame:
    """The Canvas import table: student columns, one column per assignment, a Points Possible row.

    Parameters
    ----------
    results : iterable of dict or ResultDocument
        Result documents, in any order.
    roster : Roster or None
        The enrolled students; ``lms_id`` is Canvas's ``ID``, ``sis_id`` its
        ``SIS User ID``, ``login`` its ``SIS Login ID``, ``name`` its ``Student``
        (as written in the roster: Canvas matches the display name or the
        "Last, First" sortable name, and only after the three ids).
    columns : mapping of str to AssignmentColumn, optional
        Canvas titles and assignment ids by assignment; missing ones use the
        assignment id as title and no Canvas id.
    assignments : sequence of str, optional
        Export only these assignments (default: all, natural order).
    missing : {"empty", "zero"}
        A roster student without a document: an empty cell (default; Canvas
        reads it as "no score") or 0.

    Returns
    -------
    pandas.DataFrame
        Columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
        ``Section``, then one float column per assignment (see
        :func:`canvas_header`). Row 0 is ``Points Possible`` (empty student
        cells, each ``max_score``); then one row per roster student in roster
        order. Students of the documents who are not on the roster are left
        out (see :func:`canvas_warnings`). No total column.

    Raises
    ------
    UsageError
        If ``roster`` is None ("canvas export needs a roster with lms_id"), a
        roster student has none of ``lms_id``, ``sis_id``, ``login``, or a
        header is invalid (:func:`canvas_header`) or repeated.
    ResultError
        As :func:`grader.lms.columns.score_sheet`.
    """
    if roster is None:
        raise UsageError("canvas export needs a roster with lms_id (pass --roster FILE.csv)")
    _check_identities(roster)
    known = columns or {}
    return grade_table(results, roster, assignments, identity=CANVAS_IDENTITY,
                       header=lambda a: canvas_header(a, known),
                       who=lambda e: (e.name, e.lms_id, e.sis_id, e.login, e.section), missing=missing,
                       fmt="Canvas", points_row=POINTS_POSSIBLE)


def canvas_warnings(results: Iterable[Document], roster: Roster,
                    columns: Mapping[str, AssignmentColumn] | None = None,
                    assignments: Sequence[str] | None = None) -> list[str]:
    """What the instructor should know before importing: unmatched students, unknown Canvas ids.

    Returns
    -------
    list of str
        One line per problem: documents of students not on the roster (not
        exported), assignments without a Canvas id (Canvas matches the title
        or creates a new assignment), roster students without ``lms_id``.
    """
    out = lms_warnings(results, roster, columns, assignments, fmt="canvas", field="canvas_id",
                       advice="no Canvas assignment id for {}: Canvas will match the column by its exact title "
                       "or create a NEW assignment; give the id (--lms-id ASSIGNMENT=ID)")
    no_id = [e.student for e in roster if not e.lms_id]
    if no_id:
        out.append(f"roster student(s) without lms_id, matched by SIS User ID or SIS Login ID: {', '.join(no_id)}")
    return out


def write_canvas(frame: pd.DataFrame, path: Path) -> None:
    r"""Write a :func:`canvas_gradebook` table as Canvas reads it.

    UTF-8 without byte-order mark, comma-separated, fields quoted only when
    needed (``"Lovelace, Ada"``), ``\\r\\n`` line endings, empty cells for
    missing scores, numbers with ``.`` and at most ``CSV_DECIMALS`` decimals.

    Raises
    ------
    OSError
        If the file cannot be written; an existing file is left unchanged.
    """
    write_csv(frame, Path(path), CANVAS_STYLE)

