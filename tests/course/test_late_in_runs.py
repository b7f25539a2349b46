"""Late work end to end: a tiny class graded once, then re-scored under late policies without running code.

Submission times come from the assignment folder's ``index.csv`` (as ``grade
collect`` writes it), else the file's modification time with a note. Every
boundary is checked on the recorded document, the report and the gradebook:
on time, inside grace, 1 s late, an extension, the cutoff.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from grader.course.late import LatePolicy
from grader.course.roster import roster_from_rows
from grader.limits import Limits
from grader.pipeline import run
from grader.report.common import duration
from grader.rescore import MTIME_NOTE

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DUE = datetime(2026, 10, 1, 23, 59, tzinfo=timezone(timedelta(hours=-4)))
SECOND = timedelta(seconds=1)
LIMITS = Limits(call_timeout=3)
INDEX_HEADER = "student,original_name,submitted_at,late,source_id,path\n"


def tiny_rubrics(folder: Path) -> Path:
    """A one-function assignment ``tiny`` (quiz1's sample_z, 16 points) with a 4-point manual item."""
    data = yaml.safe_load((ROOT / "rubrics" / "quiz1.yaml").read_text())
    data["assignment"] = "tiny"
    data["functions"] = [f for f in data["functions"] if f["name"] == "sample_z"]
    data["manual"] = [{"item": "p1", "title": "Proof", "points": 4}]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.yaml").write_text(yaml.safe_dump(data))
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """ada (correct sample_z: 16/16) graded once, without any late policy."""
    base = tmp_path_factory.mktemp("late")
    rubrics = tiny_rubrics(base / "rubrics")
    subs = base / "subs" / "tiny"
    subs.mkdir(parents=True)
    shutil.copy(ROOT / "submissions" / "quiz1" / "claude_shannon.py", subs / "ada.py")
    out = base / "out"
    summary = run(subs.parent, out, rubrics_dir=rubrics, limits=LIMITS, workers=1)
    assert summary.graded == ["tiny/ada"]
    return base, rubrics, out


def rescore(graded, tmp_path, policy, submitted=None, roster=None, manual=None):
    """Copy the graded class and its output, write index.csv, and run again (nothing is regraded)."""
    base, rubrics, out = graded
    subs = tmp_path / "subs"
    shutil.copytree(base / "subs", subs)
    shutil.copytree(out, tmp_path / "out")
    if submitted is not None:
        (subs / "tiny" / "index.csv").write_text(
            INDEX_HEADER + f"ada,ada.py,{submitted.isoformat()},,1,ada.py\n")
    summary = run(subs, tmp_path / "out", rubrics_dir=rubrics, limits=LIMITS, workers=1,
                  late_policies={"tiny": policy} if policy else None, roster=roster, manual_csv=manual)
    assert summary.graded == [], "re-scoring must not run the student's code"
    doc = json.loads((tmp_path / "out" / "results" / "tiny" / "ada.json").read_text())
    return doc, summary


def per_day(**kwargs):
    return LatePolicy(due=DUE, grace_minutes=15, policy="per_day", per_day=0.1, **kwargs)


@pytest.mark.parametrize(("offset", "late_by", "penalty"), [
    (-timedelta(hours=2), 0.0, 0.0),                     # on time
    (timedelta(0), 0.0, 0.0),                            # exactly at the due date
    (timedelta(minutes=15), 0.0, 0.0),                   # inside grace (its last second)
    (timedelta(minutes=15) + SECOND, 0.25 + 1 / 3600, 1.6),  # 1 s after grace: one started day, 10%
    (timedelta(days=1) + SECOND, 24 + 1 / 3600, 3.2),    # a second day started: 20%
], ids=["on-time", "at-due", "inside-grace", "1s-late", "second-day"])
def test_late_arithmetic_at_the_boundaries(graded, tmp_path, offset, late_by, penalty):
    doc, _ = rescore(graded, tmp_path, per_day(), DUE + offset)
    assert doc["submitted_at"] == (DUE + offset).isoformat()
    assert doc["late_by_hours"] == pytest.approx(late_by, abs=1e-6)
    assert doc["raw_score"] == 16.0
    assert doc["late_penalty"] == pytest.approx(penalty)
    assert doc["score"] == pytest.approx(16.0 - penalty)
    assert MTIME_NOTE not in doc["notes"]
    report = (tmp_path / "out" / "reports" / "tiny" / "ada.html").read_text()
    assert "Submitted" in report
    assert ("Late by" in report) == (late_by > 0)
    assert (f"<dd>{duration(late_by)}</dd>" in report) == (late_by > 0)
    assert ("late penalty" in report) == (late_by > 0)
    overview = (tmp_path / "out" / "reports" / "tiny" / "index.html").read_text()
    assert ('data-marker="late"' in overview) == (late_by > 0)
    gradebook = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()
    assert float(gradebook[1].split(",")[-2]) == pytest.approx(16.0 - penalty)


@pytest.mark.parametrize(("extension", "late"), [(1.0, False), (1.0 - 1 / 3600, True)],
                         ids=["extension-covers-it", "1s-past-the-extension"])
def test_roster_extension_shifts_the_due_date(graded, tmp_path, extension, late):
    roster = roster_from_rows(["student", "extension_hours"], [["ada", f"{extension!r}"]])
    doc, _ = rescore(graded, tmp_path, per_day(), DUE + timedelta(hours=1, minutes=15), roster)
    assert (doc["late_penalty"] > 0) == late
    assert doc["score"] == (14.4 if late else 16.0)


@pytest.mark.parametrize(("offset", "score"), [(timedelta(hours=2), 16.0), (timedelta(hours=2) + SECOND, 0.0)],
                         ids=["at-the-cutoff", "1s-after-the-cutoff"])
def test_cutoff_zeroes_the_score_only_after_it(graded, tmp_path, offset, score):
    policy = LatePolicy(due=DUE, policy="zero_after", cutoff=DUE + timedelta(hours=2))
    doc, _ = rescore(graded, tmp_path, policy, DUE + offset)
    assert doc["score"] == score and doc["raw_score"] == 16.0
    assert doc["late_penalty"] == 16.0 - score


def test_without_index_the_file_time_is_used_with_a_note_and_a_warning(graded, tmp_path):
    doc, summary = rescore(graded, tmp_path, per_day(), None)
    assert MTIME_NOTE in doc["notes"]
    assert any("modification time" in w for w in summary.warnings)
    mtime = (tmp_path / "subs" / "tiny" / "ada.py").stat().st_mtime
    assert datetime.fromisoformat(doc["submitted_at"]).timestamp() == pytest.approx(mtime)
    page = (tmp_path / "out" / "reports" / "tiny" / "ada.html").read_text()
    assert "taken from the file&#39;s modification time" in page


@pytest.mark.parametrize("flag", ["true", "false", ""])
def test_a_collected_submission_without_a_time_never_takes_the_collection_time(graded, tmp_path, flag):
    """Canvas downloads carry no time: the file's time is when grade collect wrote it, not a submission."""
    base, rubrics, out = graded
    subs = tmp_path / "subs"
    shutil.copytree(base / "subs", subs)
    shutil.copytree(out, tmp_path / "out")
    (subs / "tiny" / "index.csv").write_text(INDEX_HEADER + f"ada,ada.py,,{flag},1,ada.py\n")
    summary = run(subs, tmp_path / "out", rubrics_dir=rubrics, limits=LIMITS, workers=1,
                  late_policies={"tiny": per_day()})  # DUE is in the past: the file's time would be late
    doc = json.loads((tmp_path / "out" / "results" / "tiny" / "ada.json").read_text())
    assert doc["late_penalty"] == 0 and doc["score"] == 16.0 and doc.get("submitted_at") is None
    assert MTIME_NOTE not in doc["notes"]
    assert not any("modification time" in w for w in summary.warnings)
    assert any("marked this submission late but gave no time" in w for w in summary.warnings) == (flag == "true")


def test_no_policy_records_no_late_fields_and_removing_a_policy_clears_them(graded, tmp_path):
    _, _, out = graded
    plain = json.loads((out / "results" / "tiny" / "ada.json").read_text())
    assert not {"submitted_at", "raw_score", "late_penalty", "late_by_hours"} & set(plain)
    doc, _ = rescore(graded, tmp_path, per_day(), DUE + timedelta(days=3))
    assert doc["late_penalty"] > 0
    again = run(tmp_path / "subs", tmp_path / "out", rubrics_dir=graded[1], limits=LIMITS, workers=1)
    assert again.graded == []
    cleared = json.loads((tmp_path / "out" / "results" / "tiny" / "ada.json").read_text())
    assert cleared["score"] == 16.0 and "raw_score" not in cleared and "late_penalty" not in cleared


def test_manual_points_are_penalised_with_the_rest(graded, tmp_path):
    manual = tmp_path / "manual.csv"
    manual.write_text("student,assignment,item,points,comment\nada,tiny,p1,4,fine\n")
    doc, _ = rescore(graded, tmp_path, per_day(), DUE + timedelta(hours=25), manual=manual)
    assert doc["raw_score"] == 20.0 and doc["max_score"] == 20.0
    assert doc["late_penalty"] == pytest.approx(4.0) and doc["score"] == pytest.approx(16.0)


def test_a_bad_time_in_index_csv_is_a_usage_error_naming_the_row(graded, tmp_path):
    from grader.errors import UsageError

    base, rubrics, _ = graded
    shutil.copytree(base / "subs", tmp_path / "subs")
    (tmp_path / "subs" / "tiny" / "index.csv").write_text(INDEX_HEADER + "ada,ada.py,2026-10-01T10:00,,1,ada.py\n")
    with pytest.raises(UsageError, match=r"row 2: .*no time zone"):
        run(tmp_path / "subs", tmp_path / "out", rubrics_dir=rubrics, limits=LIMITS, workers=1,
            late_policies={"tiny": per_day()})
    assert not (tmp_path / "out" / "results").exists()  # refused before anything was graded


def test_index_csv_is_not_read_without_a_late_policy(graded, tmp_path):
    base, rubrics, out = graded
    shutil.copytree(base / "subs", tmp_path / "subs")
    shutil.copytree(out, tmp_path / "out")
    (tmp_path / "subs" / "tiny" / "index.csv").write_text(INDEX_HEADER + "ada,ada.py,not a time,,1,ada.py\n")
    summary = run(tmp_path / "subs", tmp_path / "out", rubrics_dir=rubrics, limits=LIMITS, workers=1)
    assert summary.graded == [] and summary.documents[0]["score"] == 16.0


def test_an_override_is_penalised_like_the_rest(graded, tmp_path):
    from grader.overrides import apply_override

    doc, _ = rescore(graded, tmp_path, per_day(), DUE + timedelta(hours=25))  # 20% off
    assert doc["score"] == pytest.approx(12.8)
    apply_override(tmp_path / "out", "ada", "tiny", "sample_z", 10, "checked by hand", "ta")
    doc = json.loads((tmp_path / "out" / "results" / "tiny" / "ada.json").read_text())
    assert doc["raw_score"] == 10 and doc["late_penalty"] == pytest.approx(2.0) and doc["score"] == pytest.approx(8.0)


def test_lateness_is_written_for_people():
    assert [duration(h) for h in (1 / 3600, 0.25 + 1 / 3600, 24 + 1 / 3600, 2.5)] == [
        "1 s", "15 min 1 s", "24 h", "2.5 h"]
