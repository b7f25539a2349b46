"""Manual (written-part) scores: validation, merge, pending vs scored."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.errors import UsageError
from grader.manual import apply_manual, read_manual_scores

DOC = {"student": "ada", "assignment": "hw2", "score": 90.0, "max_score": 100.0,
       "items": [{"function": "f", "score": 90.0}], "manual": []}


def _csv(tmp_path, text):
    path = tmp_path / "manual.csv"
    path.write_text(text)
    return path


def test_scored_items_count_pending_items_do_not(rubrics, tmp_path):
    scores = read_manual_scores(_csv(tmp_path, "student,assignment,item,points,comment\n"
                                                "ada,hw2,p1_proof,7.5,missing the abar_0 case\n"
                                                "ada,hw2,p2_proof,,\n"), rubrics)
    doc = copy.deepcopy(DOC)
    assert apply_manual(doc, rubrics["hw2"], scores)
    by_item = {m["item"]: m for m in doc["manual"]}
    assert by_item["p1_proof"]["score"] == 7.5 and by_item["p1_proof"]["comment"] == "missing the abar_0 case"
    assert by_item["p2_proof"]["score"] is None
    assert doc["score"] == 97.5 and doc["max_score"] == 110.0
    assert not apply_manual(doc, rubrics["hw2"], scores)  # idempotent


@pytest.mark.parametrize("row, message", [
    ("ada,hw9,p1_proof,1,", "unknown assignment"),
    ("ada,hw2,p9,1,", "no manual item 'p9'"),
    ("ada,hw2,p1_proof,11,", "outside 0..10"),
    ("ada,hw2,p1_proof,lots,", "not a number"),
])
def test_bad_rows_are_reported_with_their_row(rubrics, tmp_path, row, message):
    path = _csv(tmp_path, "student,assignment,item,points,comment\n" + row + "\n")
    with pytest.raises(UsageError, match=message) as info:
        read_manual_scores(path, rubrics)
    assert "row 2" in str(info.value)


def test_missing_column(rubrics, tmp_path):
    with pytest.raises(UsageError, match="missing column"):
        read_manual_scores(_csv(tmp_path, "student,item,points\n"), rubrics)


@pytest.mark.slow
def test_run_with_manual_merges_into_results_and_reports(tmp_path):
    sub = tmp_path / "subs" / "hw2"
    sub.mkdir(parents=True)
    (sub / "ada.py").write_text((__import__("pathlib").Path("submissions/hw2/ada_lovelace.py")).read_text())
    manual = _csv(tmp_path, "student,assignment,item,points,comment\nada,hw2,p4_mha,9,good\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "subs"), "--out", str(out), "-q",
                                      "--manual", str(manual)])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "results" / "hw2" / "ada.json").read_text())
    assert doc["score"] == 109 and doc["max_score"] == 110
    assert "good" in (out / "reports" / "hw2" / "ada.html").read_text()


@pytest.mark.slow
def test_student_self_check_shows_public_checks_only():
    result = CliRunner().invoke(cli, ["check", "submissions/hw2/alan_turing.py", "--assignment", "hw2"])
    assert result.exit_code == 0, result.output
    assert "Public checks: 30 / 34" in result.output
    assert "hidden" not in result.output.split("Public checks")[0].lower()
    assert "hint: Posterior variance uses beta_t" in result.output


@pytest.mark.slow
def test_manual_scores_survive_a_regrade_of_a_changed_submission(tmp_path):
    sub = tmp_path / "subs" / "hw2"
    sub.mkdir(parents=True)
    source = (__import__("pathlib").Path("submissions/hw2/ada_lovelace.py")).read_text()
    (sub / "ada.py").write_text(source)
    manual = _csv(tmp_path, "student,assignment,item,points,comment\nada,hw2,p4_mha,9,good\n")
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(cli, ["run", str(tmp_path / "subs"), "--out", str(out), "-q", "--manual", str(manual)])
    assert first.exit_code == 0
    (sub / "ada.py").write_text(source + "\n# resubmitted\n")
    again = runner.invoke(cli, ["run", str(tmp_path / "subs"), "--out", str(out), "-q"])
    assert "Graded 1 submission(s)" in again.output
    doc = json.loads((out / "results" / "hw2" / "ada.json").read_text())
    assert {m["item"]: m["score"] for m in doc["manual"]}["p4_mha"] == 9
    assert doc["score"] == 109 and doc["max_score"] == 110
