"""The 'grade export' command: long/wide unchanged, LMS formats with a roster, errors as one line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.commands.export import export_command
from grader.gradebook import write_gradebook
from tests.lms.helpers import DOCS, ROSTER, rows, write_results, write_roster


@pytest.fixture
def out(tmp_path):
    return write_results(tmp_path / "out", DOCS)


@pytest.fixture
def roster(tmp_path):
    return write_roster(tmp_path / "roster.csv", ROSTER)


def _run(args, code=0):
    result = CliRunner().invoke(export_command, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.exception)
    return result


@pytest.mark.parametrize("args, wide", [([], False), (["--format", "long"], False), (["--wide"], True),
                                        (["--format", "wide"], True), (["--wide", "--format", "wide"], True)])
def test_long_and_wide_are_todays_bytes(out, tmp_path, args, wide):
    write_gradebook(out / "results", tmp_path / "expected.csv", wide=wide)
    result = _run(["--results", out, "--out", tmp_path / "got.csv", *args])
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "expected.csv").read_bytes()
    assert result.stdout.startswith("Wrote ") and result.stderr == ""


@pytest.mark.parametrize("fmt", ["long", "wide"])
def test_long_and_wide_with_a_roster_keep_everyone_and_warn(out, roster, tmp_path, fmt):
    result = _run(["--results", out, "--out", tmp_path / "got.csv", "--roster", roster, "--format", fmt])
    table = rows(tmp_path / "got.csv")
    assert table[0][-1] == "roster_status"
    status = {(r[0], r[-1]) for r in table[1:]}
    assert ("stranger_one", "not on roster") in status
    assert ("bob_missing", "missing" if fmt == "long" else "on roster") in status
    assert "not on the roster" in result.stderr and "stranger_one" in result.stderr


def test_canvas_export(out, roster, tmp_path):
    path = tmp_path / "canvas.csv"
    result = _run(["--results", out, "--format", "canvas", "--roster", roster, "--out", path,
                   "--column", "hw2=Homework 2", "--lms-id", "hw2=901234"])
    table = rows(path)
    assert table[0][5:] == ["Homework 2 (901234)", "hw10"]
    assert table[1][0] == "Points Possible"
    assert [r[1] for r in table[2:]] == ["4001", "4002", "4003"]
    assert result.stdout == f"Wrote 3 row(s) to {path}\n"
    assert "stranger_one (hw2)" in result.stderr
    assert "no Canvas assignment id for hw10" in result.stderr


@pytest.mark.parametrize("fmt, header", [("moodle", "Email address"), ("blackboard", "Last Name")])
def test_moodle_and_blackboard_exports(out, roster, tmp_path, fmt, header):
    path = tmp_path / f"{fmt}.csv"
    _run(["--results", out, "--format", fmt, "--roster", roster, "--out", path, "--assignment", "hw2"])
    table = rows(path)
    assert table[0][0] == header and len(table) == 1 + len(ROSTER)
    assert len(table[0]) == (2 if fmt == "moodle" else 5)


def test_moodle_identifier_option(out, roster, tmp_path):
    path = tmp_path / "moodle.csv"
    _run(["--results", out, "--format", "moodle", "--roster", roster, "--out", path, "--moodle-identifier",
          "username", "--missing", "zero"])
    assert rows(path)[3] == ["bmissing", "0", "0"]


@pytest.mark.parametrize("args, message", [
    (["--format", "canvas"], "canvas export needs a roster with lms_id"),
    (["--format", "blackboard"], "blackboard export needs a roster with login"),
    (["--wide", "--format", "canvas"], "--wide is the same as --format wide"),
    (["--format", "canvas", "--roster", "ROSTER", "--lms-id", "hw2"], "ASSIGNMENT=VALUE"),
    (["--format", "canvas", "--roster", "ROSTER", "--assignment", "hw99"], "hw99"),
    (["--format", "canvas", "--roster", "ROSTER", "--lms-id", "hw2=abc"], "not a number"),
    (["--format", "canvas", "--roster", "no/such/roster.csv"], "cannot read roster"),
    (["--assignment", "hw2"], "--assignment selects"),
])
def test_usage_errors_are_one_line_and_exit_2(out, roster, tmp_path, args, message):
    args = [str(roster) if a == "ROSTER" else a for a in args]
    result = _run(["--results", out, "--out", tmp_path / "x.csv", *args], code=2)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("grade: error: ") and message in lines[0], result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_no_results_folder(tmp_path):
    result = _run(["--results", tmp_path / "nothing", "--out", tmp_path / "x.csv"], code=2)
    assert "no results in" in result.stderr
