"""Shared LMS logic: matching documents to the roster, cell text, options parsing."""

from __future__ import annotations

import pytest

from grader.errors import UsageError
from grader.lms import AssignmentColumn, columns_from_options, score_sheet
from grader.lms.columns import format_cell
from grader.results import ResultError
from tests.lms.helpers import DOCS, ROSTER, doc


def test_score_sheet_keeps_roster_students_and_lists_the_others():
    sheet = score_sheet(DOCS, ROSTER)
    assert sheet.assignments == ("hw2", "hw10")
    assert sheet.max_scores == {"hw2": 10.0, "hw10": 20.0}
    assert sheet.scores[("zoe_zed", "hw2")] == 0.333333
    assert sheet.unmatched == (("stranger_one", "hw2"),)
    assert ("stranger_one", "hw2") not in sheet.scores


def test_score_sheet_rejects_duplicates_and_inconsistent_max_scores():
    with pytest.raises(ResultError, match="two result documents"):
        score_sheet([doc("ada_lovelace", "hw2", 1.0), doc("ada_lovelace", "hw2", 2.0)], ROSTER)
    with pytest.raises(ResultError, match="max_score"):
        score_sheet([doc("ada_lovelace", "hw2", 1.0, 10.0), doc("zoe_zed", "hw2", 2.0, 12.0)], ROSTER)


@pytest.mark.parametrize("value, text", [
    (7.5, "7.5"), (10.0, "10"), (1 / 3, "0.333333"), (0.0, "0"), (-0.0, "0"), (1e-9, "0"),
    (float("nan"), ""), (None, ""), ("Ada", "Ada"), (12345678.25, "12345678.25"),
])
def test_format_cell(value, text):
    assert format_cell(value) == text


def test_columns_from_options_put_the_id_in_the_formats_field():
    base = {"hw2": AssignmentColumn(title="Config title", canvas_id="1")}
    out = columns_from_options("canvas", ["hw3=Homework 3"], ["hw2=99"], base=base)
    assert out["hw2"] == AssignmentColumn(title="Config title", canvas_id="99")
    assert out["hw3"] == AssignmentColumn(title="Homework 3")
    assert columns_from_options("moodle", (), ["hw2=Assignment: HW 2"])["hw2"].moodle_item == "Assignment: HW 2"
    assert columns_from_options("blackboard", (), ["hw2=7"])["hw2"].blackboard_column == "7"
    with pytest.raises(UsageError, match="ASSIGNMENT=VALUE"):
        columns_from_options("canvas", (), ["hw2"])
    with pytest.raises(UsageError, match="LMS formats"):
        columns_from_options("wide", (), ["hw2=1"])
