"""Long and wide gradebooks with a roster: missing roster students added with 0, others flagged."""

from __future__ import annotations

import math

import pandas as pd

from grader.gradebook import gradebook_long, gradebook_wide
from grader.lms.rostered import rostered_long, rostered_wide, write_rostered_gradebook
from tests.lms.helpers import DOCS, ROSTER, write_results


def _by(frame, *keys):
    return {tuple(row[k] for k in keys): row for row in frame.to_dict("records")}


def test_long_adds_missing_rows_with_0_and_flags_everyone():
    frame = rostered_long(DOCS, ROSTER)
    base = gradebook_long(DOCS)
    assert list(frame.columns) == [*base.columns, "roster_status"]
    rows = _by(frame, "assignment", "student")
    assert rows[("hw2", "bob_missing")]["roster_status"] == "missing"
    assert rows[("hw2", "bob_missing")]["score"] == 0.0 and rows[("hw2", "bob_missing")]["max_score"] == 10.0
    assert rows[("hw10", "zoe_zed")]["roster_status"] == "missing"
    assert rows[("hw10", "zoe_zed")]["max_score"] == 20.0
    assert rows[("hw2", "stranger_one")]["roster_status"] == "not on roster"
    assert rows[("hw2", "ada_lovelace")]["roster_status"] == "graded"
    assert len(frame) == len(base) + 3  # bob: hw2, hw10; zoe: hw10
    assert [(r["assignment"], r["student"]) for r in frame.to_dict("records")][:4] == [
        ("hw2", "ada_lovelace"), ("hw2", "bob_missing"), ("hw2", "stranger_one"), ("hw2", "zoe_zed")]


def test_long_missing_rows_score_0_in_the_assignments_functions_only():
    item = {"function": "f", "score": 5.0, "max_score": 10.0, "status": "partial", "feedback": [],
            "misconception": None, "source": None, "checks": []}
    docs = [dict(DOCS[0], items=[item]), dict(DOCS[2], items=[dict(item, function="g")])]
    rows = _by(rostered_long(docs, ROSTER), "assignment", "student")
    assert rows[("hw2", "zoe_zed")]["f"] == 0.0 and math.isnan(rows[("hw2", "zoe_zed")]["g"])


def test_wide_adds_roster_students_without_documents():
    frame = rostered_wide(DOCS, ROSTER)
    assert list(frame.columns) == [*gradebook_wide(DOCS).columns, "roster_status"]
    rows = _by(frame, "student")
    assert math.isnan(rows[("bob_missing",)]["hw2"]) and rows[("bob_missing",)]["total"] == 0.0
    assert rows[("bob_missing",)]["max_total"] == 30.0
    assert rows[("stranger_one",)]["roster_status"] == "not on roster"
    assert rows[("zoe_zed",)]["roster_status"] == "on roster"
    assert frame["student"].tolist() == ["ada_lovelace", "bob_missing", "stranger_one", "zoe_zed"]


def test_written_like_the_gradebook(tmp_path):
    out = write_results(tmp_path / "out", DOCS)
    path = tmp_path / "long.csv"
    write_rostered_gradebook(out / "results", path, ROSTER)
    text = path.read_bytes().decode("utf-8")
    assert "\r" not in text and text.splitlines()[0].endswith(",score,max_score,roster_status")
    back = pd.read_csv(path)
    assert back.loc[back["student"] == "zoe_zed", "score"].tolist() == [0.333333, 0.0]
