"""The bundle end to end: built with ``grade gradescope build``, unpacked as Gradescope lays it out, run.

One bundle of quiz1 (the quickest assignment to grade) is built per module;
each case gets its own root (``source/``, ``submission/``, ``results/``) and
runs the bundle's own ``run_autograder`` with this environment's Python
(setup.sh needs the network and is not run). The cases run two at a time.
The hanging student runs under a 1 s CPU limit per call, set in the
unpacked bundle's ``gradescope.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.gradescope import autograder
from tests.gradescope.conftest import check_results

SAMPLES = Path(__file__).resolve().parents[2] / "submissions" / "quiz1"
CORRECT = (SAMPLES / "katherine_johnson.py").read_text()
FUNCTIONS = ["sample_z", "sample_z_forward", "ou_sample", "ou_euler_step", "optimal_denoiser_at_L", "cvae_loss"]
METADATA = {"id": 1, "created_at": "2024-03-01T10:00:00.000000-08:00",
            "assignment": {"due_date": "2024-03-08T23:59:00.000000-08:00", "late_due_date": None,
                           "title": "Quiz 1", "total_points": "100.0"},
            "users": [{"email": "kj@example.com", "id": 4321, "name": "K. Johnson"}], "previous_submissions": []}

CASES = {
    "correct": ("katherine_johnson.py", CORRECT),
    "mistaken": ("mary_jackson.py", (SAMPLES / "mary_jackson.py").read_text()),
    "syntax": ("quiz.py", CORRECT.replace("def ou_sample(w0, t, noise):", "def ou_sample(w0, t, noise)")),
    # uploaded as a folder; one function hangs, another is missing (renamed)
    "hang": ("nested/answers.py", CORRECT.replace("def ou_euler_step(w, dt, noise):",
                                                  "def ou_euler_step(w, dt, noise):\n    while True:\n        pass\n")
             .replace("def cvae_loss(", "def cvae_loss_draft(")),
}


def _unpack(bundle: Path, root: Path, limits: dict | None = None) -> Path:
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    if limits:
        config_path = root / "source" / "gradescope.json"
        config = json.loads(config_path.read_text())
        config["limits"].update(limits)
        config_path.write_text(json.dumps(config))
    (root / "submission").mkdir()
    (root / "results").mkdir()
    return root


def _run_autograder(root: Path) -> tuple[dict, str, float]:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable}
    start = time.perf_counter()
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=240)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text()), proc.stdout, seconds


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    result = CliRunner().invoke(cli, ["gradescope", "build", "quiz1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def runs(bundle, tmp_path_factory) -> dict[str, tuple[dict, str, float]]:
    roots = {}
    for case, (name, text) in CASES.items():
        limits = {"call_timeout": 1.0, "call_wall_timeout": 4.0} if case == "hang" else None
        root = _unpack(bundle, tmp_path_factory.mktemp(case), limits)
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
        if case == "correct":
            (root / "submission_metadata.json").write_text(json.dumps(METADATA))
        roots[case] = root
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case: pool.submit(_run_autograder, root) for case, root in roots.items()}
        return {case: f.result() for case, f in futures.items()}


def _tests(result: dict, function: str) -> dict[str, dict]:
    return {t["visibility"]: t for t in result["tests"] if t["name"].startswith(function + ":")}


def _no_hidden_detail_visible(result: dict) -> None:
    """Every message line of an after_due_date test is absent from everything visible."""
    visible = result["output"] + "".join(t["output"] for t in result["tests"] if t["visibility"] == "visible")
    for test in result["tests"]:
        if test["visibility"] == "after_due_date":
            for line in test["output"].splitlines()[2:]:
                if line.strip().startswith("- ") and "case" in line:
                    assert line.strip() not in visible


@pytest.mark.slow
def test_correct_student_gets_full_marks_and_passes_everything(runs):
    result, log, seconds = runs["correct"]
    check_results(result)
    assert result["score"] == 100.0
    assert all(t["status"] == "passed" for t in result["tests"])
    assert {t["visibility"] for t in result["tests"]} == {"visible", "after_due_date"}
    assert "quiz1/gs4321" in log  # the Gradescope user id seeds the hidden inputs
    assert "source/grader" in log  # the bundle's own copy of the grader graded it
    assert "2024-03-08T23:59:00-08:00" in result["output"]
    assert 0 < result["execution_time"] <= seconds + 1


@pytest.mark.slow
def test_mistaken_student_fails_the_right_function_only(runs):
    result, _, _ = runs["mistaken"]
    check_results(result)
    _no_hidden_detail_visible(result)
    sample_z = _tests(result, "sample_z")
    assert sample_z["visible"]["status"] == sample_z["after_due_date"]["status"] == "failed"
    assert "Likely mistake" in sample_z["visible"]["output"]
    others = [t for t in result["tests"] if not t["name"].startswith("sample_z:")]
    assert all(t["status"] == "passed" for t in others)


@pytest.mark.slow
def test_syntax_error_scores_zero_and_says_where(runs):
    result, _, _ = runs["syntax"]
    check_results(result)
    assert result["score"] == 0.0
    assert "SyntaxError" in result["output"]
    assert all(t["status"] == "failed" for t in result["tests"])


@pytest.mark.slow
def test_hanging_and_missing_functions_lose_their_points_and_the_rest_is_graded(runs):
    result, _, _ = runs["hang"]
    check_results(result)
    hung = _tests(result, "ou_euler_step")
    assert hung["visible"]["score"] == hung["after_due_date"]["score"] == 0.0
    assert "time limit" in hung["visible"]["output"]
    missing = _tests(result, "cvae_loss")
    assert "No function named cvae\\_loss" in missing["visible"]["output"]
    assert result["score"] == 100.0 - 14.0 - 26.0


def test_grader_failure_is_a_zero_without_traceback(bundle, tmp_path, monkeypatch, capsys):
    root = _unpack(bundle, tmp_path)
    (root / "submission" / "quiz1.py").write_text(CORRECT)

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail 42")

    monkeypatch.setattr("grader.grading.grade_submission", broken)
    result, finished = autograder.run(root)
    check_results(result)
    assert finished and result["score"] == 0.0
    assert "bug in the grader" in result["output"] and "internal detail 42" not in json.dumps(result)
    assert "internal detail 42" in capsys.readouterr().out  # the instructors' log has it
    assert json.loads((root / "results" / "results.json").read_text()) == result


def test_grading_past_the_deadline_still_writes_a_result(bundle, tmp_path, monkeypatch):
    root = _unpack(bundle, tmp_path)
    config_path = root / "source" / "gradescope.json"
    config_path.write_text(json.dumps({**json.loads(config_path.read_text()), "deadline_seconds": 1}))
    (root / "submission" / "quiz1.py").write_text(CORRECT)
    monkeypatch.setattr("grader.grading.grade_submission", lambda *a, **k: time.sleep(3))
    result, finished = autograder.run(root)
    check_results(result)
    assert not finished and result["score"] == 0.0 and "did not finish within 1 s" in result["output"]
