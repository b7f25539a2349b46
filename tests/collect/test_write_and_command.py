"""Writing: index.csv, overwrite rules, nothing outside --into; the command; the bundled Canvas zip."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from grader.collect.run import collect
from grader.collect.write import INDEX_COLUMNS
from grader.commands.collect import collect_command
from grader.discover import discover
from grader.errors import UsageError
from tests.collect.archives import tree, write_roster, write_zip
from tests.collect.test_canvas import DOWNLOAD
from tests.collect.test_gradescope import FILES as GRADESCOPE

ROOT = Path(__file__).resolve().parents[2]


def test_index_csv_reads_back_with_pandas(tmp_path):
    into = tmp_path / "subs"
    collect(write_zip(tmp_path / "g.zip", GRADESCOPE), "hw2", roster_path=write_roster(tmp_path / "r.csv"),
            into=into)
    collect(write_zip(tmp_path / "c.zip", DOWNLOAD), "hw3", roster_path=write_roster(tmp_path / "r.csv"),
            into=into)
    g = pd.read_csv(into / "hw2" / "index.csv", dtype=str, keep_default_na=False)
    assert tuple(g.columns) == INDEX_COLUMNS
    ada = g[g.student == "ada_lovelace"].iloc[0]
    assert ada.submitted_at == "2026-01-10T12:00:00.123456-07:00" and ada.late == ""
    assert ada.original_name == "assignment_55_export/submission_101/homework2.py"
    assert ada.source_id == "submission_101" and ada.path == "ada_lovelace.py"
    assert sorted(g[g.student == "alan_turing"].path) == ["alan_turing/main.py", "alan_turing/util.py"]
    assert pd.to_datetime(g.submitted_at[g.submitted_at != ""], utc=True, format="ISO8601").notna().all()
    c = pd.read_csv(into / "hw3" / "index.csv", dtype=str, keep_default_na=False)
    assert set(c.late) == {"true", "false"} and set(c.submitted_at) == {""}
    assert c[c.student == "alan_turing"].late.item() == "true"
    assert c[c.student == "ada_lovelace"].original_name.item() == "lovelaceada_4101_905_homework2-2.py"
    for rel in c.path:
        assert (into / "hw3" / rel).is_file()


def test_existing_different_submission_is_kept_unless_forced(tmp_path):
    into = tmp_path / "subs"
    (into / "hw2").mkdir(parents=True)
    (into / "hw2" / "ada_lovelace.py").write_text("hand-edited\n")
    (into / "hw2" / "alan_turing").mkdir()
    (into / "hw2" / "alan_turing" / "old.py").write_text("old folder\n")
    roster = write_roster(tmp_path / "r.csv")
    report = collect(write_zip(tmp_path / "c.zip", DOWNLOAD), "hw2", roster_path=roster, into=into)
    assert (into / "hw2" / "ada_lovelace.py").read_text() == "hand-edited\n"
    assert sorted(m.split(":")[0] for m in report.written.refused) == ["ada_lovelace", "alan_turing"]
    assert all("--force" in m for m in report.written.refused)
    index = pd.read_csv(into / "hw2" / "index.csv", dtype=str, keep_default_na=False)
    assert "ada_lovelace" not in set(index.student)
    again = collect(write_zip(tmp_path / "c.zip", DOWNLOAD), "hw2", roster_path=roster, into=into, force=True)
    assert again.written.refused == [] and (into / "hw2" / "ada_lovelace.py").read_text() == "ada v2\n"
    assert not (into / "hw2" / "alan_turing").exists() and (into / "hw2" / "alan_turing.ipynb").is_file()
    third = collect(write_zip(tmp_path / "c.zip", DOWNLOAD), "hw2", roster_path=roster, into=into)
    assert third.written.written == [] and len(third.written.unchanged) == 4
    assert not [p for p in (into / "hw2").iterdir() if p.name.startswith(".")]   # no temporary files left


def test_folder_submission_is_replaced_as_a_whole_when_forced(tmp_path):
    into = tmp_path / "subs"
    collect(write_zip(tmp_path / "a.zip", {"hoppergrace_4107_1_a.py": "1", "hoppergrace_4107_2_b.py": "2"}),
            "hw2", into=into)
    assert tree(into / "hw2" / "hoppergrace") == {"a.py": b"1", "b.py": b"2"}
    collect(write_zip(tmp_path / "b.zip", {"hoppergrace_4107_3_c.py": "3", "hoppergrace_4107_4_d.py": "4"}),
            "hw2", into=into, force=True)
    assert tree(into / "hw2" / "hoppergrace") == {"c.py": b"3", "d.py": b"4"}
    index = pd.read_csv(into / "hw2" / "index.csv", dtype=str, keep_default_na=False)
    assert sorted(index.path) == ["hoppergrace/c.py", "hoppergrace/d.py"]


def test_hostile_download_writes_nothing_outside_into(tmp_path):
    parent = tmp_path / "parent"
    into = parent / "subs"
    into.mkdir(parents=True)
    (parent / "keep.txt").write_text("untouched")
    hostile = {"lovelaceada_4101_1_a.py": "ok\n", "../../escape.py": "x", "/tmp/abs_escape.py": "x",
               "turingalan_4102_2_..%2f..%2fx.py": "odd but contained\n", "C:/win.py": "x",
               "nested.zip": "PK\x03\x04", "big.py": "x" * 3000}
    before = tree(tmp_path)
    report = collect(write_zip(tmp_path / "h.zip", hostile, links={"turingalan_4102_3_l.py": "/etc/passwd"}),
                     "hw2", into=into, max_file_mb=0.002)
    assert len(report.listing.refused) == 6
    after = tree(tmp_path)
    new = sorted(k for k in after if k not in before)
    assert new == ["h.zip", "parent/subs/hw2/index.csv", "parent/subs/hw2/lovelaceada.py",
                   "parent/subs/hw2/turingalan.py"]
    assert not Path("/tmp/abs_escape.py").exists()


def test_a_symlinked_assignment_folder_is_refused(tmp_path):
    into = tmp_path / "subs"
    into.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, into / "hw2")
    with pytest.raises(UsageError, match="symbolic link"):
        collect(write_zip(tmp_path / "c.zip", DOWNLOAD), "hw2", into=into)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("name", ["../hw2", "a/b", "", ".hidden", "hw2/.."])
def test_assignment_must_be_a_plain_name(tmp_path, name):
    with pytest.raises(UsageError, match="plain folder name"):
        collect(write_zip(tmp_path / "c.zip", DOWNLOAD), name, into=tmp_path / "subs")
    assert not (tmp_path / "subs").exists() or list((tmp_path / "subs").iterdir()) == []


def test_command_prints_a_summary(tmp_path):
    result = CliRunner().invoke(collect_command, [
        str(write_zip(tmp_path / "c.zip", DOWNLOAD)), "--assignment", "hw2", "--roster",
        str(write_roster(tmp_path / "r.csv")), "--into", str(tmp_path / "subs")])
    assert result.exit_code == 0, result.output
    assert "as canvas (" in result.output and "Collected 4 student(s): 4 written" in result.output
    assert "1 not on the roster" in result.output and "  - babbagecharles" in result.output
    assert f"Index: {tmp_path / 'subs' / 'hw2' / 'index.csv'}" in result.output


@pytest.mark.parametrize("args, message", [
    (["notthere.zip"], "does not exist"),
    (["plain.txt"], "neither a zip archive nor a folder"),
    (["c.zip", "--roster", "missing.csv"], "cannot read roster"),
    (["c.zip", "--roster", "bad.csv"], "no 'student' column"),
])
def test_command_unusable_input_exits_2(tmp_path, monkeypatch, args, message):
    write_zip(tmp_path / "c.zip", DOWNLOAD)
    (tmp_path / "plain.txt").write_text("hello")
    (tmp_path / "bad.csv").write_text("name\nAda\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(collect_command, [*args, "--assignment", "hw2", "--into", "subs"])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "subs" / "hw2" / "index.csv").exists()


def test_command_unknown_from_exits_2(tmp_path):
    result = CliRunner().invoke(collect_command, [str(write_zip(tmp_path / "c.zip", DOWNLOAD)), "--assignment",
                                                  "hw2", "--from", "blackboard"])
    assert result.exit_code == 2 and "blackboard" in result.output
    with pytest.raises(UsageError, match="--from 'blackboard'"):
        collect(tmp_path / "c.zip", "hw2", fmt="blackboard", into=tmp_path / "subs")


def test_bundled_canvas_zip_reproduces_the_hw2_class(tmp_path):
    result = CliRunner().invoke(collect_command, [
        str(ROOT / "submissions" / "canvas-hw2.zip"), "--assignment", "hw2", "--roster",
        str(ROOT / "submissions" / "roster.csv"), "--into", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "0 not on the roster" in result.output and "  - mary_somerville" in result.output
    rubrics = {"hw2"}
    ours = {s.student: s.sha256 for s in discover(tmp_path, rubrics, "hw2").submissions}
    bundled = {s.student: s.sha256 for s in discover(ROOT / "submissions", rubrics, "hw2").submissions}
    assert ours == bundled and len(ours) == 13
    mine, theirs = tree(tmp_path / "hw2"), tree(ROOT / "submissions" / "hw2")
    for student in ours:   # byte-identical contents, whichever layout (file or folder) each side uses
        def of(files, who=student):
            return sorted(v for k, v in files.items() if k.split("/")[0].split(".")[0] == who)
        assert of(mine) == of(theirs) != [], student
    index = pd.read_csv(tmp_path / "hw2" / "index.csv", dtype=str, keep_default_na=False)
    assert index.set_index("student").late.to_dict()["grace_hopper"] == "true"
    assert index.set_index("student").original_name["alan_turing"].endswith("_homework2-1.py")


def test_the_bundled_zip_is_what_the_script_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_lms_download", ROOT / "scripts" / "make_lms_download.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_zip(tmp_path / "again.zip")
    assert (tmp_path / "again.zip").read_bytes() == (ROOT / "submissions" / "canvas-hw2.zip").read_bytes()
    assert module.sortable_name("Ada Lovelace") == "lovelaceada"


def test_command_has_exactly_the_documented_options():
    assert collect_command.name == "collect"
    opts = sorted(o for p in collect_command.params for o in p.opts if o.startswith("--"))
    assert opts == ["--assignment", "--force", "--from", "--into", "--max-file-mb", "--roster"]
    group = __import__("click").Group(commands=[collect_command])
    assert group.get_command(None, "collect") is collect_command


def test_a_submission_that_cannot_be_written_is_reported_and_the_class_goes_on(tmp_path):
    files = {"emmy/lib": "a file named like the folder below", "emmy/lib/x.py": "x\n", "ada.py": "ada\n"}
    report = collect(write_zip(tmp_path / "f.zip", files), "hw2", fmt="folder", into=tmp_path / "subs")
    assert report.written.written == ["ada"]
    assert len(report.written.refused) == 1 and report.written.refused[0].startswith("emmy: could not be written")
    assert tree(tmp_path / "subs" / "hw2").keys() == {"ada.py", "index.csv"}


def test_summary_says_when_ids_are_derived_without_a_roster(tmp_path):
    args = [str(write_zip(tmp_path / "c.zip", DOWNLOAD)), "--assignment", "hw2", "--into", str(tmp_path / "s")]
    without = CliRunner().invoke(collect_command, args)
    assert "No roster given: student ids are derived" in without.output
    with_roster = CliRunner().invoke(collect_command, [*args, "--roster", str(write_roster(tmp_path / "r.csv")),
                                                       "--force"])
    assert with_roster.exit_code == 0 and "No roster given" not in with_roster.output
