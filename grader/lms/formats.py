"""One entry point for the three LMS formats: build the table, list the warnings, write the file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from grader.course.roster import Roster
from grader.errors import UsageError
from grader.gradebook import Document
from grader.lms.blackboard import blackboard_grades, blackboard_warnings, write_blackboard
from grader.lms.canvas import canvas_gradebook, canvas_warnings, write_canvas
from grader.lms.columns import AssignmentColumn, Missing, require_roster
from grader.lms.moodle import MOODLE_IDENTIFIERS, MoodleIdentifier, moodle_grades, moodle_warnings, write_moodle

__all__ = ["LMS_FORMATS", "ID_FIELD", "lms_table", "lms_warnings", "write_lms", "columns_from_options"]

#: The LMS export formats.
LMS_FORMATS = ("canvas", "moodle", "blackboard")
#: The :class:`AssignmentColumn` field that holds each format's id of an assignment.
ID_FIELD = {"canvas": "canvas_id", "moodle": "moodle_item", "blackboard": "blackboard_column"}


def lms_table(fmt: str, results: Iterable[Document], roster: Roster | None,
              columns: Mapping[str, AssignmentColumn] | None = None, assignments: Sequence[str] | None = None,
              missing: Missing = "empty", identifier: MoodleIdentifier = "email") -> pd.DataFrame:
    """The import table of ``fmt`` (:func:`~grader.lms.canvas.canvas_gradebook` and the others).

    Parameters
    ----------
    fmt : {"canvas", "moodle", "blackboard"}
        The LMS.
    results, roster, columns, assignments, missing
        As in :func:`grader.lms.canvas.canvas_gradebook`.
    identifier : {"email", "idnumber", "username"}
        Moodle only: the user field of the first column.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    UsageError
        If ``fmt`` is unknown, or as the format's function (no roster, ...).
    ResultError
        If the documents are invalid or inconsistent.
    """
    docs = list(results)
    if fmt == "canvas":
        return canvas_gradebook(docs, roster, columns, assignments, missing)
    if fmt == "moodle":
        return moodle_grades(docs, roster, columns, assignments, identifier, missing)
    if fmt == "blackboard":
        return blackboard_grades(docs, roster, columns, assignments, missing)
    raise UsageError(f"unknown LMS format {fmt!r}; known: {', '.join(LMS_FORMATS)}")


def lms_warnings(fmt: str, results: Iterable[Document], roster: Roster | None,
                 columns: Mapping[str, AssignmentColumn] | None = None,
                 assignments: Sequence[str] | None = None, identifier: MoodleIdentifier = "email") -> list[str]:
    """The warnings of ``fmt`` for these documents: unmatched students, unknown LMS ids.

    Raises
    ------
    UsageError
        If ``roster`` is None or ``fmt`` is unknown.
    """
    field = {"canvas": "lms_id", "moodle": MOODLE_IDENTIFIERS[identifier][1], "blackboard": "login"}.get(fmt, "")
    known = require_roster(roster, fmt, field)
    docs = list(results)
    if fmt == "canvas":
        return canvas_warnings(docs, known, columns, assignments)
    if fmt == "moodle":
        return moodle_warnings(docs, known, columns, assignments)
    if fmt == "blackboard":
        return blackboard_warnings(docs, known, columns, assignments)
    raise UsageError(f"unknown LMS format {fmt!r}; known: {', '.join(LMS_FORMATS)}")


def write_lms(fmt: str, frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` (from :func:`lms_table`) with the exact bytes ``fmt`` expects.

    Raises
    ------
    UsageError
        If ``fmt`` is unknown.
    OSError
        If the file cannot be written; an existing file is left unchanged.
    """
    writers = {"canvas": write_canvas, "moodle": write_moodle, "blackboard": write_blackboard}
    if fmt not in writers:
        raise UsageError(f"unknown LMS format {fmt!r}; known: {', '.join(LMS_FORMATS)}")
    writers[fmt](frame, Path(path))


def _pairs(values: Sequence[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise UsageError(f"{option} expects ASSIGNMENT=VALUE (e.g. hw2=...), not {value!r}")
        out[name.strip()] = text.strip()
    return out


def columns_from_options(fmt: str, titles: Sequence[str] = (), ids: Sequence[str] = (),
                         base: Mapping[str, AssignmentColumn] | None = None) -> dict[str, AssignmentColumn]:
    """Assignment columns from ``--column ASSIGNMENT=TITLE`` and ``--lms-id ASSIGNMENT=ID`` values.

    Parameters
    ----------
    fmt : str
        The format the ids are for: Canvas assignment id, Moodle grade item,
        Blackboard column id (see :data:`ID_FIELD`).
    titles, ids : sequence of str
        ``ASSIGNMENT=VALUE`` strings.
    base : mapping of str to AssignmentColumn, optional
        Columns known already (e.g. from the course config); the options
        override their fields.

    Returns
    -------
    dict of str to AssignmentColumn

    Raises
    ------
    UsageError
        If a value is not ``ASSIGNMENT=VALUE``, or ids are given for a format without ids.
    """
    out = dict(base or {})
    for name, title in _pairs(titles, "--column").items():
        out[name] = replace(out.get(name, AssignmentColumn()), title=title)
    id_pairs = _pairs(ids, "--lms-id")
    if id_pairs and fmt not in ID_FIELD:
        raise UsageError(f"--lms-id is for the LMS formats ({', '.join(LMS_FORMATS)}), not {fmt!r}")
    for name, value in id_pairs.items():
        out[name] = replace(out.get(name, AssignmentColumn()), **{ID_FIELD[fmt]: value})
    return out
