"""Shared logic of the LMS exports: who is exported, the score of each cell, and the CSV bytes.

The three LMS formats (:mod:`grader.lms.canvas`, :mod:`grader.lms.moodle`,
:mod:`grader.lms.blackboard`) differ only in their identity columns, their
column headers and their CSV dialect. What they share is here:

- :class:`AssignmentColumn`: what the LMS calls an assignment (title, Canvas
  assignment id, Moodle grade item, Blackboard column id), passed in as a
  plain mapping so that this package does not depend on the course config;
- :func:`score_sheet`: one score per (roster student, assignment), rounded
  to :data:`grader.gradebook.CSV_DECIMALS`, plus the documents that cannot be
  matched to the roster;
- :class:`CsvStyle` and :func:`to_csv_text` / :func:`write_csv`: the exact
  text of the file (delimiter, quoting, line endings, byte-order mark).

The rules and the documentation they come from are in ``docs/lms-exports.md``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from grader.course.roster import Roster
from grader.errors import UsageError
from grader.gradebook import CSV_DECIMALS, Document
from grader.results import ResultError, as_document, natural_key, write_text_atomic

__all__ = ["AssignmentColumn", "CsvStyle", "Missing", "ScoreSheet", "score_sheet", "format_cell", "grade_table",
           "lms_warnings", "to_csv_text", "write_csv", "require_roster", "title_of", "unmatched_warning"]

#: How a roster student without a result document is written: an empty cell or 0.
Missing = Literal["empty", "zero"]


@dataclass(frozen=True)
class AssignmentColumn:
    """What an LMS calls one assignment of the grader.

    Attributes
    ----------
    title : str
        The assignment's title in the LMS (empty: the grader's assignment id).
    canvas_id : str
        The Canvas assignment id (digits), written as ``Title (id)``; empty if unknown.
    moodle_item : str
        The Moodle grade item as Moodle displays it (``Assignment: Homework 2``
        for an activity, the item name for a manual item); empty: the title.
    blackboard_column : str
        The Blackboard Grade Center column id (digits), written as
        ``Title |id|``; empty if unknown.
    """

    title: str = ""
    canvas_id: str = ""
    moodle_item: str = ""
    blackboard_column: str = ""


@dataclass(frozen=True)
class CsvStyle:
    r"""The exact text layout of a CSV file.

    Attributes
    ----------
    delimiter : str
        Field separator.
    quote_all : bool
        Quote every field (``csv.QUOTE_ALL``) instead of only those that need it.
    line_end : str
        Line terminator, e.g. ``"\r\n"``.
    bom : bool
        Start the file with a UTF-8 byte-order mark.
    """

    delimiter: str = ","
    quote_all: bool = False
    line_end: str = "\r\n"
    bom: bool = False


@dataclass(frozen=True)
class ScoreSheet:
    """Scores of the roster's students, and what could not be matched to the roster.

    Attributes
    ----------
    roster : Roster
        The students exported, in roster order.
    assignments : tuple of str
        The assignments exported, in natural order.
    max_scores : dict of str to float
        ``max_score`` of each assignment (the same in all its documents).
    scores : dict of (str, str) to float
        Score of (student, assignment), rounded to ``CSV_DECIMALS``; only
        roster students with a document.
    unmatched : tuple of (str, str)
        (student, assignment) of the documents whose student is not on the roster.
    """

    roster: Roster
    assignments: tuple[str, ...]
    max_scores: dict[str, float]
    scores: dict[tuple[str, str], float]
    unmatched: tuple[tuple[str, str], ...]

    def cell(self, student: str, assignment: str, missing: Missing) -> float:
        """The score of ``student`` on ``assignment``; NaN (``missing="empty"``) or 0.0 without a document."""
        if (student, assignment) in self.scores:
            return self.scores[(student, assignment)]
        return 0.0 if missing == "zero" else math.nan


def _max_scores(docs: Sequence[Any]) -> dict[str, float]:
    out: dict[str, tuple[float, str]] = {}
    for doc in docs:
        if doc.assignment not in out:
            out[doc.assignment] = (doc.max_score, doc.student)
        elif not math.isclose(out[doc.assignment][0], doc.max_score, rel_tol=1e-9, abs_tol=1e-12):
            first, who = out[doc.assignment]
            raise ResultError(
                f"assignment {doc.assignment!r} has max_score {first!r} for student {who!r} but "
                f"{doc.max_score!r} for student {doc.student!r}; re-grade the assignment with one rubric "
                "(or score every pending manual item) so that the LMS gets one 'points possible'")
    return {name: value for name, (value, _) in out.items()}


def score_sheet(results: Iterable[Document], roster: Roster,
                assignments: Sequence[str] | None = None) -> ScoreSheet:
    """Match result documents to the roster: one score per (roster student, assignment).

    Parameters
    ----------
    results : iterable of dict or ResultDocument
        Result documents, in any order.
    roster : Roster
        The enrolled students (:func:`grader.course.roster.load_roster`).
    assignments : sequence of str, optional
        Export only these assignments, in this order; default: every assignment
        of the documents, in natural order.

    Returns
    -------
    ScoreSheet
        Documents of status ``missing`` (roster students who did not submit,
        :mod:`grader.roster_runs`) give no score: the formats' "not submitted".

    Raises
    ------
    ResultError
        (a ``ValueError``) If a document is invalid, two documents share
        (student, assignment), or the documents of one assignment disagree
        on ``max_score`` (the same rule as :func:`grader.gradebook.gradebook_wide`).
    UsageError
        If an assignment asked for has no result document.
    """
    docs = [as_document(d) for d in results]
    seen: set[tuple[str, str]] = set()
    for doc in docs:
        if (doc.student, doc.assignment) in seen:
            raise ResultError(f"two result documents for assignment {doc.assignment!r}, student "
                              f"{doc.student!r}; keep one document per (student, assignment)")
        seen.add((doc.student, doc.assignment))
    present = sorted({doc.assignment for doc in docs}, key=natural_key)
    if assignments:
        unknown = [a for a in assignments if a not in present]
        if unknown:
            raise UsageError(f"no result documents for assignment(s) {', '.join(unknown)}; "
                             f"graded: {', '.join(present) or 'none'}")
        present = list(dict.fromkeys(assignments))
    chosen = [doc for doc in docs if doc.assignment in present]
    enrolled = set(roster.students)
    # a ``missing`` document (a roster student who did not submit) is no score: "not submitted"
    scores = {(d.student, d.assignment): round(d.score, CSV_DECIMALS) for d in chosen
              if d.student in enrolled and d.status != "missing"}
    unmatched = sorted(((d.student, d.assignment) for d in chosen if d.student not in enrolled),
                       key=lambda sa: (natural_key(sa[0]), natural_key(sa[1])))
    max_scores = {a: round(m, CSV_DECIMALS) for a, m in _max_scores(chosen).items()}
    return ScoreSheet(roster, tuple(present), max_scores, scores, tuple(unmatched))


def require_roster(roster: Roster | None, fmt: str, field: str) -> Roster:
    """The roster, or a :class:`UsageError` saying that ``fmt`` needs one with ``field``.

    Raises
    ------
    UsageError
        If ``roster`` is None: "<fmt> export needs a roster with <field>".
    """
    if roster is None:
        raise UsageError(f"{fmt} export needs a roster with {field} (pass --roster FILE.csv)")
    return roster


def title_of(assignment: str, columns: Mapping[str, AssignmentColumn]) -> str:
    """The LMS title of ``assignment``: its ``AssignmentColumn.title``, else the assignment id."""
    column = columns.get(assignment)
    return column.title if column is not None and column.title else assignment


def without_lms_id(sheet: ScoreSheet, columns: Mapping[str, AssignmentColumn], field: str) -> list[str]:
    """The sheet's assignments whose LMS id ``field`` of :class:`AssignmentColumn` is unknown (empty).

    Parameters
    ----------
    sheet : ScoreSheet
        From :func:`score_sheet`.
    columns : mapping of str to AssignmentColumn
        Titles and ids by assignment (an assignment absent from it has no id).
    field : {"canvas_id", "moodle_item", "blackboard_column"}
        The id the format needs.

    Returns
    -------
    list of str
        Assignments in the sheet's order.
    """
    return [a for a in sheet.assignments if not (a in columns and getattr(columns[a], field).strip())]


def unmatched_warning(sheet: ScoreSheet, fmt: str) -> list[str]:
    """One warning naming the documents of students not on the roster (not exported), or none."""
    if not sheet.unmatched:
        return []
    names = ", ".join(f"{student} ({assignment})" for student, assignment in sheet.unmatched)
    return [f"{len(sheet.unmatched)} result document(s) of students not on the roster were graded but "
            f"not exported to {fmt} (the LMS cannot match them): {names}"]


def grade_table(results: Iterable[Document], roster: Roster, assignments: Sequence[str] | None, *,
                identity: Sequence[str], header: Callable[[str], str], who: Callable[[Any], Sequence[Any]],
                missing: Missing, fmt: str, points_row: str | None = None) -> pd.DataFrame:
    """One LMS upload table: the format's student columns, then one float column per assignment.

    Parameters
    ----------
    results, roster, assignments
        As :func:`score_sheet`; one row per roster student, in roster order.
    identity : sequence of str
        The format's student column headers.
    header : callable
        An assignment id -> the format's header of its column.
    who : callable
        A roster entry -> its cells under ``identity``.
    missing : {"empty", "zero"}
        A roster student without a document: NaN (an empty cell) or 0.
    fmt : str
        The format's name in messages ("Canvas").
    points_row : str, optional
        If given, a first row with this text in the first cell and each
        assignment's ``max_score`` (Canvas's ``Points Possible``).

    Returns
    -------
    pandas.DataFrame
        Columns ``identity`` then the headers; the assignment columns are float64.

    Raises
    ------
    UsageError
        If two headers are the same, or a header is one of the student columns;
        also as :func:`score_sheet` and ``header``.
    ResultError
        As :func:`score_sheet`.
    """
    sheet = score_sheet(results, roster, assignments)
    headers = [header(a) for a in sheet.assignments]
    if len(set(headers)) != len(headers) or set(headers) & set(identity):
        raise UsageError(f"two assignments have the same {fmt} header: {headers}; give them distinct titles")
    rows: list[list[Any]] = []
    if points_row is not None:
        rows.append([points_row, *[""] * (len(identity) - 1), *(sheet.max_scores[a] for a in sheet.assignments)])
    rows += [[*who(e), *(sheet.cell(e.student, a, missing) for a in sheet.assignments)] for e in roster]
    frame = pd.DataFrame(rows, columns=[*identity, *headers])
    frame[headers] = frame[headers].astype("float64")
    return frame


def lms_warnings(results: Iterable[Document], roster: Roster, columns: Mapping[str, AssignmentColumn] | None,
                 assignments: Sequence[str] | None, *, fmt: str, field: str, advice: str) -> list[str]:
    """What the instructor should know before an LMS import: unmatched students, unknown LMS ids.

    Parameters
    ----------
    results, roster, assignments
        As :func:`score_sheet`.
    columns : mapping of str to AssignmentColumn or None
        Titles and LMS ids by assignment.
    fmt : str
        The format's name ("canvas"), as in :func:`unmatched_warning`.
    field : str
        The :class:`AssignmentColumn` field of the format's id (:func:`without_lms_id`).
    advice : str
        The warning for assignments without that id; ``{}`` is replaced by their names.

    Returns
    -------
    list of str
        One line per problem.

    Raises
    ------
    ResultError, UsageError
        As :func:`score_sheet`.
    """
    sheet = score_sheet(results, roster, assignments)
    out = unmatched_warning(sheet, fmt)
    unknown = without_lms_id(sheet, columns or {}, field)
    if unknown:
        out.append(advice.format(", ".join(unknown)))
    return out


def format_cell(value: Any) -> str:
    """The text of one cell: '' for None/NaN, a number without trailing zeros, else ``str(value)``.

    Numbers are rounded to ``CSV_DECIMALS`` digits and written with ``.`` as
    the decimal point and no exponent (``7.5``, ``10``, ``0.333333``).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if math.isnan(value):
            return ""
        text = f"{round(float(value), CSV_DECIMALS):.{CSV_DECIMALS}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)


def to_csv_text(frame: pd.DataFrame, style: CsvStyle) -> str:
    r"""The CSV text of ``frame`` (header row, then one line per row) in ``style``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Cells are formatted with :func:`format_cell`; the index is not written.
    style : CsvStyle
        Delimiter, quoting, line ending and byte-order mark.

    Returns
    -------
    str
        The file's text; it starts with ``"\\ufeff"`` when ``style.bom``.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator=style.line_end,
                        quoting=csv.QUOTE_ALL if style.quote_all else csv.QUOTE_MINIMAL)
    writer.writerow([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([format_cell(v) for v in row])
    return ("\ufeff" if style.bom else "") + buffer.getvalue()


def write_csv(frame: pd.DataFrame, path: Path, style: CsvStyle) -> None:
    """Write :func:`to_csv_text` of ``frame`` to ``path`` as UTF-8, atomically.

    Raises
    ------
    OSError
        If the file cannot be written; an existing file is then left unchanged.
    """
    write_text_atomic(Path(path), to_csv_text(frame, style))
