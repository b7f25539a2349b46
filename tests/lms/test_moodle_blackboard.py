"""Moodle grade import CSV and Blackboard Grade Center upload: headers, identifiers, rows, bytes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from grader.course.roster import Roster
from grader.errors import UsageError
from grader.lms import AssignmentColumn, blackboard_grades, moodle_grades, write_blackboard, write_moodle
from grader.lms.blackboard import blackboard_header, blackboard_warnings, split_name
from grader.lms.moodle import moodle_warnings
from tests.lms.helpers import DOCS, ROSTER, entry, rows

COLUMNS = {"hw2": AssignmentColumn(title="Homework 2", moodle_item="Assignment: Homework 2",
                                   blackboard_column="123456")}


def test_moodle_identifier_column_and_real_grade_items(tmp_path):
    path = tmp_path / "moodle.csv"
    write_moodle(moodle_grades(DOCS, ROSTER, COLUMNS), path)
    assert rows(path) == [
        ["Email address", "Assignment: Homework 2 (Real)", "hw10 (Real)"],
        ["ada_lovelace@example.edu", "7.5", "20"],
        ["zoe_zed@example.edu", "0.333333", ""],
        ["bob_missing@example.edu", "", ""],
    ]
    assert path.read_bytes().count(b"\r\n") == 4


@pytest.mark.parametrize("identifier, header, value", [
    ("idnumber", "ID number", "S001"), ("username", "Username", "alovelace"), ("email", "Email address",
                                                                              "ada_lovelace@example.edu"),
])
def test_moodle_identifiers_map_to_roster_fields(identifier, header, value, tmp_path):
    path = tmp_path / "moodle.csv"
    write_moodle(moodle_grades(DOCS, ROSTER, identifier=identifier), path)
    frame = pd.read_csv(path)
    assert frame.columns[0] == header and frame.iloc[0, 0] == value
    assert len(frame) == len(ROSTER)
    assert math.isnan(frame["hw2 (Real)"].iloc[2])


def test_moodle_needs_the_identifier_for_every_roster_student():
    with pytest.raises(UsageError, match="moodle export needs a roster with email"):
        moodle_grades(DOCS, None)
    roster = Roster((entry("ada_lovelace", 1, email=""),))
    with pytest.raises(UsageError, match="ada_lovelace have no email"):
        moodle_grades(DOCS, roster)
    assert moodle_grades(DOCS, roster, identifier="username").iloc[0, 0] == "alovelace"


def test_moodle_warnings():
    warnings = moodle_warnings(DOCS, ROSTER, COLUMNS)
    assert any("stranger_one (hw2)" in w for w in warnings)
    assert any("no Moodle grade item for hw10" in w for w in warnings)


def test_blackboard_every_field_quoted_crlf_no_bom(tmp_path):
    path = tmp_path / "bb.csv"
    write_blackboard(blackboard_grades(DOCS[:2], ROSTER, COLUMNS), path)
    assert path.read_bytes() == (
        b'"Last Name","First Name","Username","Student ID","Homework 2 |123456|"\r\n'
        b'"Lovelace","Ada","alovelace","S001","7.5"\r\n'
        b'"Zed","Zoe","zzed","S002","0.333333"\r\n'
        b'"Missing","Bob","bmissing","S003",""\r\n')


def test_blackboard_read_back_with_pandas(tmp_path):
    path = tmp_path / "bb.csv"
    write_blackboard(blackboard_grades(DOCS, ROSTER, COLUMNS, missing="zero"), path)
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["Last Name", "First Name", "Username", "Student ID", "Homework 2 |123456|", "hw10"]
    assert frame["Username"].tolist() == ["alovelace", "zzed", "bmissing"]
    assert frame["hw10"].tolist() == [20.0, 0.0, 0.0]


def test_blackboard_needs_a_login_for_every_roster_student():
    with pytest.raises(UsageError, match="blackboard export needs a roster with login"):
        blackboard_grades(DOCS, None)
    with pytest.raises(UsageError, match="no login"):
        blackboard_grades(DOCS, Roster((entry("ada_lovelace", 1, login=""),)))


def test_blackboard_headers_and_warnings():
    assert blackboard_header("hw2", {"hw2": AssignmentColumn(blackboard_column="|77|")}) == "hw2 |77|"
    assert blackboard_header("hw2", {}) == "hw2"
    with pytest.raises(UsageError, match="not a number"):
        blackboard_header("hw2", {"hw2": AssignmentColumn(blackboard_column="x1")})
    with pytest.raises(UsageError, match="'\\|'"):
        blackboard_header("hw2", {"hw2": AssignmentColumn(title="a|b")})
    warnings = blackboard_warnings(DOCS, ROSTER, COLUMNS)
    assert any("stranger_one (hw2)" in w for w in warnings)
    assert any("no Blackboard column id for hw10" in w for w in warnings)


@pytest.mark.parametrize("name, parts", [
    ("Ada Lovelace", ("Lovelace", "Ada")), ("Lovelace, Ada", ("Lovelace", "Ada")),
    ("Ludwig van Beethoven", ("Beethoven", "Ludwig van")), ("Plato", ("Plato", "")), ("", ("", "")),
])
def test_split_name(name, parts):
    assert split_name(name) == parts
