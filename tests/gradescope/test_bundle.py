"""The zip itself, submission_metadata.json, finding the upload, and grade export --format gradescope."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from grader.cli import cli
from grader.gradescope.metadata import read_metadata, student_id
from grader.gradescope.scripts import TORCH_CPU_INDEX, TORCH_VERSION
from grader.gradescope.submission import find_submission
from tests.gradescope.conftest import check_results
from tests.gradescope.test_results_json import _doc

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _build(tmp_path: Path, *args: str) -> tuple[Path, object]:
    out = tmp_path / "autograder.zip"
    return out, CliRunner().invoke(cli, ["gradescope", "build", "hw1", "--out", str(out), *args])


def test_bundle_layout_scripts_and_config(tmp_path):
    out, result = _build(tmp_path, "--limit", "call_timeout=4")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        config = json.loads(zf.read("gradescope.json"))
        setup = zf.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "pyproject.toml", "rubrics/hw1.yaml", "grader/gradescope/autograder.py",
            "grader/sandbox/child.py", "reference/hw1.py", "grader/report/templates/report.css"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert [n for n in names if n.startswith("rubrics/")] == ["rubrics/hw1.yaml"]
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert config["assignment"] == "hw1" and config["limits"]["call_timeout"] == 4.0
    assert f'"torch=={TORCH_VERSION}" --index-url {TORCH_CPU_INDEX}' in setup and "bubblewrap" in setup
    assert f"torch=={TORCH_VERSION}" in README  # the pin is the README's
    assert out.stat().st_size < 2_000_000


def test_bundle_is_reproducible_and_refuses_unknown_assignments(tmp_path):
    first, _ = _build(tmp_path)
    data = first.read_bytes()
    again, _ = _build(tmp_path)
    assert again.read_bytes() == data
    result = CliRunner().invoke(cli, ["gradescope", "build", "hw9", "--out", str(tmp_path / "x.zip")])
    assert result.exit_code == 2 and "unknown assignment 'hw9'" in result.output


def test_metadata_gives_a_stable_student_id_and_due_dates(tmp_path):
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps({"created_at": "2018-07-01T14:22:32.365935-07:00",
                                "assignment": {"due_date": "2018-07-31T23:00:00.000000-07:00",
                                               "late_due_date": "2018-08-02T23:00:00.000000-07:00"},
                                "users": [{"email": "b@x.org", "id": 99}, {"email": "a@x.org", "id": 1234}]}))
    meta = read_metadata(path)
    assert student_id(meta) == "gs99" and meta.details_shown_after.day == 2
    assert student_id(read_metadata(tmp_path / "absent.json")) == "student"
    path.write_text("{not json")
    assert read_metadata(path).notes and read_metadata(path).due_date is None


def test_find_submission_kinds_and_errors(tmp_path):
    folder = tmp_path / "submission"
    assert find_submission(folder, "hw1", "s").error  # nothing uploaded
    folder.mkdir()
    (folder / "notes.txt").write_text("x")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "hw-checkpoint.ipynb").write_text("{}")
    assert "no .py or .ipynb" in find_submission(folder, "hw1", "s").error
    (folder / "My HW1.ipynb").write_text("{}")
    sub = find_submission(folder, "hw1", "s")
    assert sub.kind == "notebook" and sub.source.name == "My HW1.ipynb" and not sub.error
    (folder / "extra").mkdir()
    (folder / "extra" / "helper.py").write_text("")
    assert "2 code files" in find_submission(folder, "hw1", "s").error


def test_export_gradescope_writes_one_results_json_per_graded_student(tmp_path):
    results = tmp_path / "out" / "results" / "hw2"
    results.mkdir(parents=True)
    doc = _doc()
    (results / "ada.json").write_text(json.dumps(doc))
    missing = {**doc, "student": "bob", "status": "missing", "score": 0.0, "items": [], "submission_kind": "none",
               "submission_path": "", "submission_sha256": ""}
    (results / "bob.json").write_text(json.dumps(missing))
    target = tmp_path / "gs"
    result = CliRunner().invoke(cli, ["export", "--format", "gradescope", "--results", str(tmp_path / "out"),
                                      "--out", str(target)])
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(target).as_posix() for p in target.rglob("results.json"))
    assert written == ["hw2/ada/results.json"]
    check_results(json.loads((target / written[0]).read_text()))
