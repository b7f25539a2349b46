"""The graded sample class (hw2) exported to each LMS with ``submissions/roster.csv``, read back with pandas."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from grader.commands.export import export_command
from grader.course.roster import load_roster

pytestmark = pytest.mark.slow

ROSTER = Path(__file__).resolve().parents[2] / "submissions" / "roster.csv"


def _scores(out: Path) -> dict[str, float]:
    return {p.stem: json.loads(p.read_text())["score"] for p in (out / "results" / "hw2").glob("*.json")}


@pytest.mark.parametrize("fmt, key, roster_field, score_column", [
    ("canvas", "ID", "lms_id", "Homework 2 (777)"),
    ("moodle", "Email address", "email", "Homework 2 (Real)"),
    ("blackboard", "Username", "login", "Homework 2 |777|"),
])
def test_hw2_export_has_one_row_per_roster_student(graded_sample_class, tmp_path, fmt, key, roster_field,
                                                   score_column):
    out, _ = graded_sample_class
    path = tmp_path / f"{fmt}.csv"
    lms_id = "Homework 2" if fmt == "moodle" else "777"
    result = CliRunner().invoke(export_command, [
        "--results", str(out), "--format", fmt, "--roster", str(ROSTER), "--out", str(path),
        "--assignment", "hw2", "--column", "hw2=Homework 2", "--lms-id", f"hw2={lms_id}"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # every hw2 submitter is on the roster, and the id is given
    roster = load_roster(ROSTER)
    frame = pd.read_csv(path, dtype={key: "string"})
    if fmt == "canvas":
        assert frame["Student"].iloc[0] == "Points Possible"
        assert frame[score_column].iloc[0] == json.loads(next((out / "results" / "hw2").glob("*.json"))
                                                         .read_text())["max_score"]
        frame = frame.iloc[1:]
    assert frame[key].tolist() == [getattr(e, roster_field) for e in roster]  # roster order, real ids
    scores = _scores(out)
    assert len(frame) == 14 and len(scores) == 13
    for e, value in zip(roster, frame[score_column]):
        if e.student == "mary_somerville":  # on the roster, no submission: empty
            assert math.isnan(value)
        else:
            assert value == pytest.approx(scores[e.student], abs=1e-6)
