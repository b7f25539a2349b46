"""``grade export`` and ``grade report`` on a bad results folder: one line naming the file, exit status 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

RESULTS = Path(__file__).parent / "files" / "results"


@pytest.fixture
def out(tmp_path):
    """A grading output folder holding a copy of the fixture results."""
    shutil.copytree(RESULTS, tmp_path / "out" / "results")
    return tmp_path / "out"


def _edit(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")


def _corrupt(out: Path) -> Path:
    path = out / "results" / "hw3" / "grace_hopper.json"
    path.write_text('{"schema_version": 1, "student": ', encoding="utf-8")
    return path


def _other_version(out: Path) -> Path:
    path = out / "results" / "hw3" / "kurt_goedel.json"
    _edit(path, lambda d: d.update(schema_version=2))
    return path


def _invalid(out: Path) -> Path:
    path = out / "results" / "hw2" / "ada_lovelace.json"
    _edit(path, lambda d: d["items"][1].update(status="ok"))
    return path


COMMANDS = {
    "export": lambda out: ["export", "--results", str(out), "--out", str(out / "grades.csv")],
    "report": lambda out: ["report", "--out", str(out)],
}


def _invoke(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), "a traceback, not a message"
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("grade: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_missing_results_folder(command, tmp_path):
    line = _invoke(COMMANDS[command](tmp_path / "never-graded"))
    assert "no results in" in line and "never-graded" in line


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("damage, expected", [
    (_corrupt, "result document is not valid JSON: Expecting value at line 1"),
    (_other_version, "invalid result document: schema_version is 2, this grader reads version 1"),
    (_invalid, "invalid result document: items[1].status (ddim_step) is 'ok'; allowed: ("),
])
def test_bad_document_is_named_with_what_is_wrong(command, damage, expected, out):
    path = damage(out)
    line = _invoke(COMMANDS[command](out))
    assert f"{path}: " in line
    assert expected in line
    assert not (out / "grades.csv").exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_inconsistent_documents_are_a_message_too(command, out):
    path = out / "results" / "hw3" / "grace_hopper.json"
    _edit(path, lambda d: d.update(student="ada_lovelace"))
    line = _invoke(COMMANDS[command](out))
    assert f"{path}: document is for assignment 'hw3', student 'ada_lovelace'" in line


def test_unwritable_export_is_a_message(out):
    blocker = out / "results" / "hw2" / "ada_lovelace.json"  # a file where the CSV's folder should be
    line = _invoke(["export", "--results", str(out), "--out", str(blocker / "grades.csv")])
    assert "ada_lovelace.json" in line


def test_good_folder_still_works(out):
    result = CliRunner().invoke(cli, COMMANDS["export"](out))
    assert result.exit_code == 0, result.output
    assert "Wrote 7 row(s)" in result.stdout
    result = CliRunner().invoke(cli, COMMANDS["report"](out))
    assert result.exit_code == 0, result.output
    assert "Wrote 9 report(s)" in result.stdout
