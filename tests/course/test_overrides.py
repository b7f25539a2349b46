"""Overrides: ``grade override`` sets a function's points with a reason; they stand across regrades.

A tiny class (assignment ``tiny``: quiz1's sample_z, 16 points): bob's
sample_z is wrong (0 points) and is overridden; after he resubmits a correct
one, the regraded document shows the new auto score and the standing override.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.commands.override import override_command
from grader.errors import UsageError
from grader.limits import Limits
from grader.overrides import CSV_COLUMNS, apply_override
from grader.pipeline import run
from grader.record import result_path
from grader.results import write_result
from grader.roster_runs import missing_document
from grader.rubric import load_rubrics
from tests.course.test_late_in_runs import tiny_rubrics

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(call_timeout=3)
WRONG = "def sample_z(*args):\n    return 0\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("overrides")
    rubrics = tiny_rubrics(base / "rubrics")
    subs = base / "subs" / "tiny"
    subs.mkdir(parents=True)
    (subs / "bob.py").write_text(WRONG)
    out = base / "out"
    assert run(subs.parent, out, rubrics_dir=rubrics, limits=LIMITS, workers=1).graded == ["tiny/bob"]
    return base, rubrics, out


@pytest.fixture()
def copy(graded, tmp_path):
    base, rubrics, out = graded
    shutil.copytree(base / "subs", tmp_path / "subs")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "subs", rubrics, tmp_path / "out"


def _doc(out, student="bob"):
    return json.loads(result_path(out, "tiny", student).read_text())


def _rows(out):
    with open(out / "overrides.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_override_sets_the_points_records_the_auto_score_and_logs_a_row(copy):
    _, _, out = copy
    assert _doc(out)["score"] == 0
    override = apply_override(out, "bob", "tiny", "sample_z", 10, "the grader rejected a valid dtype", "ta1")
    assert (override.points, override.auto_points, override.by) == (10.0, 0.0, "ta1")
    doc = _doc(out)
    assert doc["score"] == 10 and doc["items"][0]["score"] == 10
    assert doc["overrides"] == [override.model_dump()]
    rows = _rows(out)
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [(r["student"], r["function"], r["old_points"], r["new_points"], r["reason"], r["by"]) for r in rows] == [
        ("bob", "sample_z", "0", "10", "the grader rejected a valid dtype", "ta1")]


def test_a_second_override_replaces_the_first_and_keeps_the_auto_score(copy):
    _, _, out = copy
    apply_override(out, "bob", "tiny", "sample_z", 10, "first look", "ta1")
    second = apply_override(out, "bob", "tiny", "sample_z", 12, "second look, with a comma, and \"quotes\"", "ta2")
    assert second.auto_points == 0.0
    assert [o["points"] for o in _doc(out)["overrides"]] == [12.0]
    rows = _rows(out)
    assert [(r["old_points"], r["new_points"]) for r in rows] == [("0", "10"), ("10", "12")]
    assert rows[1]["reason"] == "second look, with a comma, and \"quotes\""


@pytest.mark.parametrize(("args", "message"), [
    (("bob", "tiny", "no_such_fn", 1, "r"), "no function 'no_such_fn'"),
    (("bob", "tiny", "sample_z", 17, "r"), r"outside 0..16"),
    (("bob", "tiny", "sample_z", -1, "r"), r"outside 0..16"),
    (("bob", "tiny", "sample_z", float("nan"), "r"), r"outside 0..16"),
    (("bob", "tiny", "sample_z", 3, "   "), "must not be empty"),
    (("zed", "tiny", "sample_z", 3, "r"), "no result for 'zed'"),
    (("bob", "hw9", "sample_z", 3, "r"), "no result for 'bob' in 'hw9'"),
])
def test_bad_overrides_are_refused_and_change_nothing(copy, args, message):
    _, _, out = copy
    before = result_path(out, "tiny", "bob").read_text()
    with pytest.raises(UsageError, match=message):
        apply_override(out, *args, by="ta1")
    assert result_path(out, "tiny", "bob").read_text() == before
    assert not (out / "overrides.csv").exists()


def test_the_boundaries_0_and_max_are_accepted(copy):
    _, _, out = copy
    assert apply_override(out, "bob", "tiny", "sample_z", 16, "full", "ta").points == 16
    assert apply_override(out, "bob", "tiny", "sample_z", 0, "none", "ta").points == 0


def test_a_missing_document_cannot_be_overridden(copy, tmp_path):
    _, rubrics, out = copy
    rubric = load_rubrics(rubrics)["tiny"]
    write_result(result_path(out, "tiny", "carol"), missing_document("tiny", "carol", rubric))
    with pytest.raises(UsageError, match="no submission"):
        apply_override(out, "carol", "tiny", "sample_z", 3, "r", "ta")


def test_an_override_survives_a_regrade_of_a_changed_submission(copy):
    subs, rubrics, out = copy
    apply_override(out, "bob", "tiny", "sample_z", 10, "partial credit for the idea", "ta1")
    kept = run(subs, out, rubrics_dir=rubrics, limits=LIMITS, workers=1)
    assert kept.graded == [] and _doc(out)["score"] == 10  # an override needs no regrade
    shutil.copy(ROOT / "submissions" / "quiz1" / "claude_shannon.py", subs / "tiny" / "bob.py")
    again = run(subs, out, rubrics_dir=rubrics, limits=LIMITS, workers=1)
    assert again.graded == ["tiny/bob"]
    doc = _doc(out)
    assert doc["items"][0]["status"] == "passed"  # the new auto result
    assert doc["overrides"][0]["auto_points"] == 16.0 and doc["overrides"][0]["points"] == 10.0
    assert doc["items"][0]["score"] == 10 and doc["score"] == 10
    page = (out / "reports" / "tiny" / "bob.html").read_text()
    assert "partial credit for the idea" in page and "the checks gave 16" in page


def test_report_and_overview_show_the_override_only_where_it_is(copy):
    _, _, out = copy
    result = CliRunner().invoke(override_command, ["bob", "tiny", "sample_z", "7.5", "--reason",
                                                   "late <b>fix</b> accepted", "--out", str(out)],
                                env={"USER": "prof"})
    assert result.exit_code == 0, result.output
    assert "7.5 points (auto 0)" in result.output
    page = (out / "reports" / "tiny" / "bob.html").read_text()
    assert 'data-override="sample_z"' in page and "late &lt;b&gt;fix&lt;/b&gt; accepted" in page
    assert "prof" in page
    overview = (out / "reports" / "tiny" / "index.html").read_text()
    assert 'data-marker="overridden"' in overview and "(overridden)" in overview
    assert (out / "gradebook.csv").read_text().splitlines()[1].split(",")[-2] == "7.5"
    assert _rows(out)[0]["by"] == "prof"


def test_without_an_override_the_report_shows_none(graded):
    _, _, out = graded
    assert 'data-override=' not in (out / "reports" / "tiny" / "bob.html").read_text()
    assert 'data-marker="overridden"' not in (out / "reports" / "tiny" / "index.html").read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["bob", "tiny", "sample_z", "3"], "Missing option '--reason'"),
    (["bob", "tiny", "sample_z", "3", "--reason", ""], "must not be empty"),
    (["bob", "tiny", "sample_z", "30", "--reason", "r"], "outside 0..16"),
    (["bob", "tiny", "sample_z", "lots", "--reason", "r"], "not a valid float"),
])
def test_the_command_exits_2_with_one_line(copy, args, message):
    _, _, out = copy
    result = CliRunner().invoke(override_command, [*args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
