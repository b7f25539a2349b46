"""``pipeline.run``: a whole ``grade run`` as a function; a grader bug in one check costs only that check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader import grading
from grader.pipeline import GRADER_BUG, RunEvents, run
from grader.rubric import load_rubrics

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SABOTAGED = ("ddpm_posterior", "edge times t = 1 and t = T")  # 4 of ddpm_posterior's 10 points


class Recorder(RunEvents):
    def __init__(self):
        self.seen: list[tuple[str, object]] = []

    def warning(self, message):
        self.seen.append(("warning", message))

    def started(self, total):
        self.seen.append(("started", total))

    def graded(self, sub, doc):
        self.seen.append(("graded", sub.student))

    def finished(self):
        self.seen.append(("finished", None))


@pytest.fixture(scope="module")
def two_students(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "hw2"
    folder.mkdir()
    for student in ("ada_lovelace", "alan_turing"):
        shutil.copy(ROOT / "submissions" / "hw2" / f"{student}.py", folder)
    return folder.parent


@pytest.fixture(scope="module")
def sabotaged_run(two_students, tmp_path_factory):
    """Grade both students while planning one check of ddpm_posterior raises."""
    monkeypatch = pytest.MonkeyPatch()
    check = next(c for f in load_rubrics()["hw2"].functions if f.name == SABOTAGED[0]
                 for c in f.checks if c.name == SABOTAGED[1])
    kind = grading.CHECK_KINDS[check.kind]
    plan = kind.plan

    def broken_plan(ctx):
        if (ctx.function.name, ctx.check.name) == SABOTAGED:
            raise KeyError("no such case")
        return plan(ctx)

    monkeypatch.setattr(kind, "plan", broken_plan)
    out = tmp_path_factory.mktemp("out")
    events = Recorder()
    try:
        summary = run(two_students, out, workers=1, events=events)
    finally:
        monkeypatch.undo()
    return out, summary, events


def _doc(out, student):
    return json.loads((out / "results" / "hw2" / f"{student}.json").read_text())


def test_failing_plan_is_that_checks_grader_error_with_no_points(sabotaged_run):
    out, summary, _ = sabotaged_run
    assert sorted(summary.graded) == ["hw2/ada_lovelace", "hw2/alan_turing"]
    for student in ("ada_lovelace", "alan_turing"):
        doc = _doc(out, student)
        item = next(i for i in doc["items"] if i["function"] == SABOTAGED[0])
        (check,) = [c for c in item["checks"] if c["name"] == SABOTAGED[1]]
        assert check["outcome"] == "error" and check["score"] == 0 and check["max_score"] == 4
        assert check["messages"] == [f"{GRADER_BUG}: KeyError: 'no such case'"]
        assert any(e.startswith(GRADER_BUG) for e in doc["errors"])
        others = [c for c in item["checks"] if c["name"] != SABOTAGED[1]]
        assert others and all(c["outcome"] != "error" for c in others)


def test_the_other_checks_and_functions_are_graded_as_usual(sabotaged_run):
    out, _, _ = sabotaged_run
    ada = _doc(out, "ada_lovelace")  # full marks when nothing is sabotaged
    assert ada["score"] == ada["max_score"] - 4
    items = {i["function"]: (i["score"], i["status"]) for i in ada["items"]}
    assert items.pop(SABOTAGED[0]) == (6.0, "partial")
    assert all(status == "passed" for _, status in items.values())


def test_run_reports_progress_and_writes_every_output(sabotaged_run):
    out, summary, events = sabotaged_run
    assert events.seen[0] == ("started", 2) and events.seen[-1] == ("finished", None)
    assert sorted(s for k, s in events.seen if k == "graded") == ["ada_lovelace", "alan_turing"]
    assert [m for k, m in events.seen if k == "warning"] == summary.warnings
    assert summary.seconds > 0 and len(summary.documents) == 2
    for name in ("reports/hw2/index.html", "reports/hw2/ada_lovelace.html", "gradebook.csv", "manifest.json"):
        assert (out / name).is_file(), name


def test_second_run_keeps_up_to_date_results(sabotaged_run, two_students):
    out, _, _ = sabotaged_run
    summary = run(two_students, out)
    assert summary.graded == [] and sorted(summary.skipped) == ["hw2/ada_lovelace", "hw2/alan_turing"]


def test_unchanged_regrade_starts_no_sandbox(sabotaged_run, two_students, monkeypatch):
    from grader import execute

    out, _, _ = sabotaged_run

    def refuse(self):
        raise AssertionError("a sandbox was started")

    monkeypatch.setattr(execute.Sandbox, "__enter__", refuse)
    assert run(two_students, out).graded == []  # no preflight, no child: everything is up to date
    with pytest.raises(AssertionError, match="a sandbox was started"):
        run(two_students, out, force=True)  # the same patch does stop a run that grades


def test_workers_default_to_the_cpus_this_process_may_use(monkeypatch):
    import os

    from grader.pipeline import available_cpus

    monkeypatch.delenv("LOKY_MAX_CPU_COUNT", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert available_cpus() == 1  # an affinity mask of one CPU (taskset), whatever os.cpu_count() says
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert 1 <= available_cpus() <= (os.cpu_count() or 1)  # never more than the machine has


def test_an_unchanged_regrade_publishes_nothing_and_any_change_publishes_again(sabotaged_run, two_students,
                                                                               monkeypatch):
    from grader import publish

    out, _, _ = sabotaged_run
    run(two_students, out)  # whatever earlier tests did, the folder is now published as it stands
    rendered: list[Path] = []
    real = publish.write_reports

    def counting(results, reports, **kwargs):
        rendered.append(reports)
        return real(results, reports, **kwargs)

    monkeypatch.setattr(publish, "write_reports", counting)
    page = out / "reports" / "hw2" / "ada_lovelace.html"
    page.write_text(page.read_text() + "<!-- kept -->")
    run(two_students, out)
    assert rendered == [] and page.read_text().endswith("<!-- kept -->")  # nothing re-rendered
    run(two_students, out, similarity_threshold=0.99)  # another threshold: other similarity pages
    assert len(rendered) == 1 and not page.read_text().endswith("<!-- kept -->")
    result = out / "results" / "hw2" / "alan_turing.json"
    doc = json.loads(result.read_text())
    run(two_students, out, similarity_threshold=0.99)
    assert len(rendered) == 1
    doc["stdout"] = "changed"  # a changed document (an override, manual scores) renders again
    result.write_text(json.dumps(doc))
    run(two_students, out, similarity_threshold=0.99)
    assert len(rendered) == 2
    shutil.rmtree(out / "reports")  # deleted pages are written again
    run(two_students, out, similarity_threshold=0.99)
    assert len(rendered) == 3 and page.is_file()


def test_a_run_whose_sandboxes_cannot_start_stops_before_grading(two_students, tmp_path, monkeypatch):
    """The preflight runs in a thread beside the grader's imports; its failure still stops the run."""
    from grader import child_command
    from grader.errors import GraderError

    monkeypatch.setattr(child_command, "BOOT", "import sys; sys.exit('no grader here')")
    monkeypatch.setenv("GRADER_FORK_SERVER", "0")
    with pytest.raises(GraderError, match="cannot start on this machine.*no grader here"):
        run(two_students, tmp_path / "out", workers=1)
    assert not list((tmp_path / "out" / "results").rglob("*.json"))  # nobody graded to zero


def test_an_unchanged_regrade_does_not_import_the_grading_stage(sabotaged_run, two_students):
    """Nothing to grade: no sandbox, and not the grading stage (the diagnosis, the catalogue of mistakes).

    torch itself is imported all the same: validating a rubric at load needs its
    reference module, cases and check kinds.
    """
    import subprocess
    import sys

    out, _, _ = sabotaged_run
    run(two_students, out)
    code = ("import sys\nfrom pathlib import Path\nfrom grader.pipeline import run\n"
            f"summary = run(Path({str(two_students)!r}), Path({str(out)!r}))\n"
            "print(len(summary.graded), sorted(m for m in ('grader.grading', 'grader.judge.diagnose',\n"
            "                                           'reference.misconceptions') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split("\n")[-2] == "0 []"


def _rubrics_with_a_broken_hw1(folder: Path) -> Path:
    """The bundled rubrics, hw1's naming a check kind that does not exist (a valid file otherwise)."""
    import yaml

    from grader.rubric import default_rubrics_dir

    folder.mkdir()
    for path in default_rubrics_dir().glob("*.yaml"):
        shutil.copy(path, folder)
    data = yaml.safe_load((folder / "hw1.yaml").read_text())
    data["functions"][0]["checks"][0]["kind"] = "eyeball"
    (folder / "hw1.yaml").write_text(yaml.safe_dump(data))
    return folder


@pytest.mark.parametrize("graded_before", [False, True], ids=["beside the preflight", "nothing to grade"])
def test_a_rubric_naming_an_unknown_check_kind_stops_the_run(two_students, tmp_path, graded_before):
    """Checked while the sandbox starts (both import torch), or after an unchanged regrade: never skipped.

    The students are hw2's; the broken rubric is hw1's, so whether or not
    anything is graded, only the registry check can find the mistake.
    """
    from grader.errors import RubricError

    rubrics = _rubrics_with_a_broken_hw1(tmp_path / "rubrics")
    out = tmp_path / "out"
    if graded_before:
        run(two_students, out, workers=1)  # with the bundled rubrics: hw2's is the same file
    before = sorted(p.read_bytes() for p in (out / "results").rglob("*.json")) if graded_before else []
    with pytest.raises(RubricError, match=r"hw1\.yaml: .*unknown check kind 'eyeball'"):
        run(two_students, out, rubrics_dir=rubrics, workers=1)
    assert sorted(p.read_bytes() for p in (out / "results").rglob("*.json")) == before  # nobody graded to zero


def test_grade_run_closes_its_progress_bar_before_printing_the_rubric_error(two_students, tmp_path):
    """The bar is open while the sandbox starts; the error then stands on a line of its own, exit status 2."""
    from click.testing import CliRunner

    from grader.cli import cli

    rubrics = _rubrics_with_a_broken_hw1(tmp_path / "rubrics")
    result = CliRunner().invoke(cli, ["run", str(two_students), "--rubrics", str(rubrics), "--out",
                                      str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "0/2" in result.stderr  # the bar was shown
    errors = [line for line in result.stderr.split("\n") if "unknown check kind 'eyeball'" in line]
    assert len(errors) == 1 and errors[0].startswith("grade: error: ") and "hw1.yaml" in errors[0], result.stderr
