"""The roster in a run: missing students get a ``missing`` document, strangers are graded and flagged.

A tiny class (assignment ``tiny``: quiz1's sample_z, 16 points) is graded
once with the roster ``ada, carol``: ada submitted (correct), bob submitted
but is not on the roster, carol did not submit. Later runs reuse the output
(up-to-date documents are not regraded).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.course.roster import roster_from_rows
from grader.discover import discover
from grader.limits import Limits
from grader.pipeline import run
from grader.report.render import render_class_overview, render_student_report
from grader.roster_runs import missing_document
from grader.rubric import load_rubrics
from tests.course.test_late_in_runs import tiny_rubrics

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(call_timeout=3)
WRONG = "def sample_z(*args):\n    return 0\n"


def roster(*students):
    return roster_from_rows(["student"], [[s] for s in students])


def _doc(out, student):
    return json.loads((out / "results" / "tiny" / f"{student}.json").read_text())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("roster")
    rubrics = tiny_rubrics(base / "rubrics")
    subs = base / "subs" / "tiny"
    subs.mkdir(parents=True)
    shutil.copy(ROOT / "submissions" / "quiz1" / "claude_shannon.py", subs / "ada.py")
    (subs / "bob.py").write_text(WRONG)
    out = base / "out"
    summary = run(subs.parent, out, rubrics_dir=rubrics, limits=LIMITS, workers=1, roster=roster("ada", "carol"))
    return base, rubrics, out, summary


def _again(graded, tmp_path, students=("ada", "carol"), **kwargs):
    """Copy the class and its output and run again (nothing needs grading unless a file changed)."""
    base, rubrics, out, _ = graded
    shutil.copytree(base / "subs", tmp_path / "subs")
    shutil.copytree(out, tmp_path / "out")
    for name, text in kwargs.pop("files", {}).items():
        (tmp_path / "subs" / "tiny" / name).write_text(text)
    for name in kwargs.pop("remove", ()):
        (tmp_path / "subs" / "tiny" / name).unlink()
    return run(tmp_path / "subs", tmp_path / "out", rubrics_dir=rubrics, limits=LIMITS, workers=1,
               roster=roster(*students) if students is not None else None, **kwargs)


def test_a_roster_student_without_a_submission_gets_a_missing_document(graded):
    _, _, out, summary = graded
    assert summary.missing == ["tiny/carol"]
    assert sorted(summary.graded) == ["tiny/ada", "tiny/bob"]
    doc = _doc(out, "carol")
    assert doc["status"] == "missing" and doc["score"] == 0 and doc["max_score"] == 16
    assert doc["submission_kind"] == "none" and doc["submission_sha256"] == ""
    assert [(i["function"], i["status"], i["score"]) for i in doc["items"]] == [("sample_z", "missing", 0.0)]
    assert doc["errors"] == ["no submission was found for carol"]
    assert [d["student"] for d in summary.documents] == ["ada", "bob", "carol"]
    assert _doc(out, "ada").get("status", "graded") == "graded"


def test_missing_is_shown_in_report_overview_and_gradebook(graded):
    _, _, out, _ = graded
    page = (out / "reports" / "tiny" / "carol.html").read_text()
    assert "No submission was found" in page and 'data-status="missing"' in page
    assert "No submission was found" not in (out / "reports" / "tiny" / "ada.html").read_text()
    overview = (out / "reports" / "tiny" / "index.html").read_text()
    assert overview.count('data-marker="missing"') == 1 and 'data-count="missing"' in overview
    rows = {line.split(",")[0]: line for line in (out / "gradebook.csv").read_text().splitlines()[1:]}
    assert rows["carol"].split(",")[-2:] == ["0.0", "16.0"]


def test_a_submission_from_a_student_not_on_the_roster_is_graded_and_flagged(graded):
    _, _, out, summary = graded
    assert summary.not_on_roster == [("tiny", "bob")]
    assert any("bob" in w and "not on the roster" in w for w in summary.warnings)
    assert _doc(out, "bob")["on_roster"] is False and _doc(out, "ada")["on_roster"] is True
    overview = (out / "reports" / "tiny" / "index.html").read_text()
    assert overview.count('data-marker="not-on-roster"') == 1
    assert 'data-student="bob"' in overview.split('data-marker="not-on-roster"')[0].rsplit("<tr", 1)[1]
    assert "Not on the class roster" in (out / "reports" / "tiny" / "bob.html").read_text()
    assert "Not on the class roster" not in (out / "reports" / "tiny" / "ada.html").read_text()


def test_without_a_roster_nobody_is_missing_or_flagged(graded, tmp_path):
    summary = _again(graded, tmp_path, students=None)
    assert summary.missing == [] and summary.not_on_roster == [] and summary.graded == []
    assert "on_roster" not in _doc(tmp_path / "out", "bob")
    (tmp_path / "out" / "results" / "tiny" / "carol.json").unlink()
    again = run(tmp_path / "subs", tmp_path / "out", rubrics_dir=graded[1], limits=LIMITS, workers=1)
    assert not (tmp_path / "out" / "results" / "tiny" / "carol.json").exists()
    assert "carol" not in {d["student"] for d in again.documents}


def test_an_up_to_date_missing_document_is_kept(graded, tmp_path):
    before = _doc(graded[2], "carol")
    summary = _again(graded, tmp_path)
    assert summary.missing == ["tiny/carol"] and summary.graded == []
    assert _doc(tmp_path / "out", "carol")["graded_at"] == before["graded_at"]


def test_a_late_submission_replaces_the_missing_document(graded, tmp_path):
    summary = _again(graded, tmp_path, files={"carol.py": WRONG})
    assert summary.graded == ["tiny/carol"] and summary.missing == []
    doc = _doc(tmp_path / "out", "carol")
    assert doc.get("status", "graded") == "graded" and doc["items"][0]["status"] == "failed"
    assert "No submission was found" not in (tmp_path / "out" / "reports" / "tiny" / "carol.html").read_text()


def test_a_student_removed_from_the_roster_loses_the_missing_document_not_graded_work(graded, tmp_path):
    summary = _again(graded, tmp_path, students=("bob",))
    assert not (tmp_path / "out" / "results" / "tiny" / "carol.json").exists()
    assert not (tmp_path / "out" / "reports" / "tiny" / "carol.html").exists()
    assert summary.not_on_roster == [("tiny", "ada")]
    assert _doc(tmp_path / "out", "ada")["on_roster"] is False  # graded work is kept, flagged


def test_a_graded_result_without_its_submission_is_kept_with_a_warning(graded, tmp_path):
    summary = _again(graded, tmp_path, remove=["ada.py"])
    assert summary.missing == ["tiny/carol"]
    assert _doc(tmp_path / "out", "ada")["score"] == 16.0
    assert any("ada" in w and "earlier graded result is kept" in w for w in summary.warnings)


def test_manual_scores_of_a_missing_student_survive_and_are_shown(graded, tmp_path):
    manual = tmp_path / "manual.csv"
    manual.write_text("student,assignment,item,points,comment\ncarol,tiny,p1,3,emailed proof\n")
    summary = _again(graded, tmp_path, manual_csv=manual)
    assert not any("carol" in w and "has no submission" in w for w in summary.warnings)
    doc = _doc(tmp_path / "out", "carol")
    assert doc["status"] == "missing" and doc["score"] == 3 and doc["max_score"] == 20


def test_index_csv_is_metadata_not_a_skipped_file(tmp_path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "ada.py").write_text(WRONG)
    (folder / "index.csv").write_text("student,original_name,submitted_at,late,source_id,path\n")
    (folder / "notes.docx").write_text("x")
    found = discover(tmp_path, {"tiny"})
    assert [s.student for s in found.submissions] == ["ada"]
    assert found.skipped == [str(folder / "notes.docx")]


def test_missing_document_renders_without_running_anything(tmp_path):
    rubric = load_rubrics(tiny_rubrics(tmp_path))["tiny"]
    doc = missing_document("tiny", "dora", rubric)
    assert "No submission was found" in render_student_report(doc)
    assert 'data-marker="missing"' in render_class_overview("tiny", [doc])
