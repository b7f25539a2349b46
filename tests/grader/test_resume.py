"""Nothing is lost: kill -9 in the middle of a run, run again, get the uninterrupted results."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock

from grader.cli import cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STUDENTS = ["ada_lovelace", "alan_turing", "blaise_pascal", "hedy_lamarr", "rene_descartes", "sophie_germain"]


def _comparable(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "graded_at"}


def _documents(out: Path) -> dict[str, dict]:
    return {p.stem: _comparable(json.loads(p.read_text())) for p in sorted((out / "results" / "hw2").glob("*.json"))}


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("resume")
    folder = base / "class" / "hw2"
    folder.mkdir(parents=True)
    for s in STUDENTS:
        shutil.copy(ROOT / "submissions" / "hw2" / f"{s}.py", folder)
    reference = base / "reference-out"
    result = CliRunner().invoke(cli, ["run", str(base / "class"), "--out", str(reference), "-q"])
    assert result.exit_code == 0, result.output
    return base, _documents(reference)


def test_kill_9_then_rerun_gives_the_uninterrupted_results(small_class):
    base, expected = small_class
    out = base / "killed-out"
    cmd = [sys.executable, "-m", "grader.cli", "run", str(base / "class"), "--out", str(out), "-q"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(list((out / "results" / "hw2").glob("*.json"))) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _documents(out)
    assert 2 <= len(partial) < len(STUDENTS), "the run was not interrupted half-way"
    for student, doc in partial.items():  # what was written before the kill is complete and right
        assert doc == expected[student]
    result = CliRunner().invoke(cli, ["run", str(base / "class"), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert f"kept {len(partial)} up-to-date" in result.output
    assert _documents(out) == expected
    assert not list(out.glob("results/*/.*.tmp"))


def test_changed_submission_is_regraded_and_force_regrades_all(small_class, tmp_path):
    base, expected = small_class
    folder = tmp_path / "class" / "hw2"
    shutil.copytree(base / "class" / "hw2", folder)
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(tmp_path / "class"), "--out", str(out), "-q"]).exit_code == 0
    path = folder / "alan_turing.py"
    path.write_text(path.read_text() + "\n# resubmitted\n")
    again = runner.invoke(cli, ["run", str(tmp_path / "class"), "--out", str(out), "-q"])
    assert "Graded 1 submission(s)" in again.output
    forced = runner.invoke(cli, ["run", str(tmp_path / "class"), "--out", str(out), "-q", "--force"])
    assert f"Graded {len(STUDENTS)} submission(s)" in forced.output


def test_second_run_on_the_same_output_is_refused(small_class, tmp_path):
    base, _ = small_class
    out = tmp_path / "out"
    out.mkdir()
    with FileLock(str(out / ".grade.lock")):
        result = CliRunner().invoke(cli, ["run", str(base / "class"), "--out", str(out), "-q"])
    assert result.exit_code == 2
    assert "another 'grade run' is writing" in result.output
    assert not (out / "results").exists()


def test_partial_temp_files_are_cleaned(small_class, tmp_path):
    base, _ = small_class
    out = tmp_path / "out"
    (out / "results" / "hw2").mkdir(parents=True)
    stale = out / "results" / "hw2" / ".ada_lovelace.json.abc123.tmp"
    stale.write_text('{"half": ')
    result = CliRunner().invoke(cli, ["run", str(base / "class"), "--out", str(out), "-q"])
    assert result.exit_code == 0
    assert not stale.exists()


def test_an_unchanged_regrade_starts_no_sandbox_and_imports_no_publishing_stage(small_class, tmp_path):
    """Issue 9, point 4: the regrade of a graded class costs about one import of torch, nothing more."""
    base, expected = small_class
    out = tmp_path / "out"
    shutil.copytree(base / "reference-out", out)
    code = ("import sys\nfrom grader.cli import cli\n"
            f"cli(['run', {str(base / 'class')!r}, '--out', {str(out)!r}, '-q'], standalone_mode=False)\n"
            "from grader.sandbox import forkserver\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'grader.grading', 'grader.gradebook') "
            "if m in sys.modules), len(forkserver._ZYGOTES))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert f"Graded 0 submission(s), kept {len(STUDENTS)} up-to-date" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "[] 0"
    assert _documents(out) == expected
