"""Canvas gradebook import CSV: headers, the Points Possible row, one row per roster student, values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from grader.course.roster import Roster
from grader.errors import UsageError
from grader.lms import AssignmentColumn, canvas_gradebook, write_canvas
from grader.lms.canvas import canvas_header, canvas_warnings
from tests.lms.helpers import DOCS, ROSTER, entry, rows

COLUMNS = {"hw2": AssignmentColumn(title="Homework 2", canvas_id="901234")}


def test_header_points_possible_and_one_row_per_roster_student(tmp_path):
    path = tmp_path / "canvas.csv"
    write_canvas(canvas_gradebook(DOCS, ROSTER, COLUMNS), path)
    table = rows(path)
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 2 (901234)", "hw10"]
    assert table[1] == ["Points Possible", "", "", "", "", "10", "20"]
    assert table[2:] == [
        ["Ada Lovelace", "4001", "S001", "alovelace", "A", "7.5", "20"],
        ["Zoe Zed", "4002", "S002", "zzed", "B", "0.333333", ""],
        ["Bob Missing", "4003", "S003", "bmissing", "A", "", ""],
    ]


def test_read_back_with_pandas(tmp_path):
    path = tmp_path / "canvas.csv"
    write_canvas(canvas_gradebook(DOCS, ROSTER, COLUMNS), path)
    frame = pd.read_csv(path, dtype={"ID": "string"})
    assert list(frame.columns[:5]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert not any("total" in c.lower() or "score" in c.lower() for c in frame.columns)
    assert frame["Student"].tolist() == ["Points Possible", "Ada Lovelace", "Zoe Zed", "Bob Missing"]
    assert frame["Homework 2 (901234)"].tolist()[:3] == [10.0, 7.5, 0.333333]
    assert math.isnan(frame["Homework 2 (901234)"].iloc[3])  # no submission: empty, "no score"
    assert "stranger_one" not in frame.to_string()  # not on the roster: not exported


def test_exact_bytes_crlf_no_bom_and_quotes_only_where_needed(tmp_path):
    roster = Roster((entry("ada_lovelace", 1, name="Lovelace, Ada"),))
    path = tmp_path / "canvas.csv"
    write_canvas(canvas_gradebook(DOCS[:1], roster), path)
    assert path.read_bytes() == (b"Student,ID,SIS User ID,SIS Login ID,Section,hw2\r\n"
                                 b"Points Possible,,,,,10\r\n"
                                 b'"Lovelace, Ada",4001,S001,alovelace,A,7.5\r\n')


def test_missing_zero_writes_0_for_roster_students_without_a_document():
    frame = canvas_gradebook(DOCS, ROSTER, COLUMNS, missing="zero")
    assert frame["Homework 2 (901234)"].tolist() == [10.0, 7.5, 0.333333, 0.0]


def test_assignments_are_in_natural_order_or_as_asked():
    assert list(canvas_gradebook(DOCS, ROSTER).columns[5:]) == ["hw2", "hw10"]
    assert list(canvas_gradebook(DOCS, ROSTER, assignments=["hw10"]).columns[5:]) == ["hw10"]
    with pytest.raises(UsageError, match="hw99"):
        canvas_gradebook(DOCS, ROSTER, assignments=["hw99"])


def test_without_a_roster_is_a_clear_error():
    with pytest.raises(UsageError, match="canvas export needs a roster with lms_id"):
        canvas_gradebook(DOCS, None)


def test_a_roster_student_canvas_cannot_identify_is_an_error():
    roster = Roster((entry("ada_lovelace", 1, lms_id="", sis_id="", login=""),))
    with pytest.raises(UsageError, match="ada_lovelace.*no lms_id, sis_id or login"):
        canvas_gradebook(DOCS, roster)


@pytest.mark.parametrize("column, message", [
    (AssignmentColumn(canvas_id="12a"), "not a number"),
    (AssignmentColumn(title="Final Score"), "read-only"),
    (AssignmentColumn(title="Section"), "student"),
])
def test_bad_canvas_headers_are_errors(column, message):
    with pytest.raises(UsageError, match=message):
        canvas_header("hw2", {"hw2": column})


def test_two_assignments_with_one_title_is_an_error():
    columns = {"hw2": AssignmentColumn(title="HW"), "hw10": AssignmentColumn(title="HW")}
    with pytest.raises(UsageError, match="same Canvas header"):
        canvas_gradebook(DOCS, ROSTER, columns)


def test_warnings_name_unmatched_students_and_unknown_ids():
    warnings = canvas_warnings(DOCS, ROSTER, COLUMNS)
    assert any("stranger_one (hw2)" in w and "not on the roster" in w for w in warnings)
    assert any("no Canvas assignment id for hw10" in w for w in warnings)
    assert not any("hw2" in w and "assignment id" in w for w in warnings)
    complete = {**COLUMNS, "hw10": AssignmentColumn(canvas_id="5")}
    assert canvas_warnings(DOCS[:3], ROSTER, complete) == []
