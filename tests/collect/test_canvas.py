"""Canvas file names: parsing, resubmissions, roster matching through lms_id; zip and folder forms."""

from __future__ import annotations

import pytest

from grader.collect.canvas import parse_name, split_resubmission
from grader.collect.run import collect
from tests.collect.archives import tree, write_folder, write_roster, write_zip


@pytest.mark.parametrize("filename, expected", [
    ("lovelaceada_4101_90001_homework2.py", ("lovelaceada", False, "4101", "90001", "homework2.py")),
    ("lovelaceada_late_4101_90001_homework2.py", ("lovelaceada", True, "4101", "90001", "homework2.py")),
    ("lovelaceada_LATE_4101_90001_homework2.py", ("lovelaceada", True, "4101", "90001", "homework2.py")),
    ("lovelaceada_4101_90001_hw_2_3_final.py", ("lovelaceada", False, "4101", "90001", "hw_2_3_final.py")),
    ("anon_x7k2q_90001_homework2.py", ("", False, "anon_x7k2q", "90001", "homework2.py")),
    ("LATE_anon_x7k2q_90001_homework2.py", ("", True, "anon_x7k2q", "90001", "homework2.py")),
    ("lovelaceada_4101_text.html", ("lovelaceada", False, "4101", "", "text.html")),
    ("lovelaceada_late_4101_link.html", ("lovelaceada", True, "4101", "", "link.html")),
    ("anon_x7k2q_text.html", ("", False, "anon_x7k2q", "", "text.html")),
])
def test_canvas_names_are_split(filename, expected):
    p = parse_name(filename)
    assert (p.name, p.late, p.user_id, p.attachment_id, p.original) == expected


@pytest.mark.parametrize("filename", ["homework2.py", "ada_lovelace.py", "lovelaceada_4101_homework2.py",
                                      "lovelaceada_x_90001_homework2.py", "late_4101.py"])
def test_other_names_are_not_canvas(filename):
    assert parse_name(filename) is None


@pytest.mark.parametrize("original, expected", [
    ("homework2-1.py", ("homework2.py", 1)), ("homework2-12.ipynb", ("homework2.ipynb", 12)),
    ("homework2.py", ("homework2.py", 0)), ("hw-2-3.py", ("hw-2.py", 3)), ("notes-2", ("notes", 2)),
    ("my-model.py", ("my-model.py", 0)),
])
def test_resubmission_suffix(original, expected):
    assert split_resubmission(original) == expected


DOWNLOAD = {
    "lovelaceada_4101_901_homework2.py": "ada v0\n",
    "lovelaceada_4101_905_homework2-2.py": "ada v2\n",
    "lovelaceada_4101_903_homework2-1.py": "ada v1\n",
    "turingalan_late_4102_910_homework2.ipynb": '{"cells": []}',
    "hoppergrace_4107_920_main.py": "import helpers\n",
    "hoppergrace_4107_921_helpers.py": "X = 1\n",
    "babbagecharles_4199_930_homework2.py": "charles\n",
}


@pytest.mark.parametrize("form", ["zip", "folder"])
def test_canvas_download_with_roster(tmp_path, form):
    source = (write_zip(tmp_path / "dl.zip", DOWNLOAD) if form == "zip"
              else write_folder(tmp_path / "dl", DOWNLOAD))
    into = tmp_path / "subs"
    report = collect(source, "hw2", roster_path=write_roster(tmp_path / "r.csv"), into=into)
    assert report.fmt == "canvas"
    assert tree(into / "hw2").keys() - {"index.csv"} == {
        "ada_lovelace.py", "alan_turing.ipynb", "grace_hopper/main.py", "grace_hopper/helpers.py",
        "babbagecharles.py"}
    assert (into / "hw2" / "ada_lovelace.py").read_text() == "ada v2\n"   # the highest -N wins
    assert len([m for m in report.superseded if "lovelaceada" in m]) == 2
    assert report.not_on_roster == ["babbagecharles"]
    by_student = {s.student: s for s in report.chosen}
    assert by_student["alan_turing"].late is True and by_student["ada_lovelace"].late is False
    assert all(s.submitted_at is None for s in report.chosen)
    assert by_student["babbagecharles"].on_roster is False and by_student["ada_lovelace"].on_roster is True


def test_resubmission_order_does_not_depend_on_archive_order(tmp_path):
    ordered = dict(reversed(list(DOWNLOAD.items())))
    into = tmp_path / "subs"
    collect(write_zip(tmp_path / "dl.zip", ordered), "hw2", into=into)
    assert (into / "hw2" / "lovelaceada.py").read_text() == "ada v2\n"


def test_same_stem_same_n_the_higher_attachment_id_wins(tmp_path):
    files = {"lovelaceada_4101_999_hw.py": "new\n", "lovelaceada_4101_100_hw.py": "old\n"}
    into = tmp_path / "subs"
    collect(write_zip(tmp_path / "dl.zip", files), "hw2", into=into)
    assert (into / "hw2" / "lovelaceada.py").read_text() == "new\n"


def test_without_roster_ids_come_from_the_sortable_name(tmp_path):
    report = collect(write_zip(tmp_path / "dl.zip", DOWNLOAD), "hw2", into=tmp_path / "subs")
    assert sorted(s.student for s in report.chosen) == ["babbagecharles", "hoppergrace", "lovelaceada",
                                                         "turingalan"]
    assert all(s.on_roster is None for s in report.chosen) and report.not_on_roster == []
    assert any("derived from the name" in m for m in report.chosen[0].messages)


def test_anonymous_download_is_collected_under_the_anon_id_and_flagged(tmp_path):
    files = {"anon_x7k2q_900_hw.py": "a\n", "LATE_anon_b8c9d_901_hw.py": "b\n"}
    report = collect(write_zip(tmp_path / "dl.zip", files), "hw2", roster_path=write_roster(tmp_path / "r.csv"),
                     into=tmp_path / "subs")
    assert sorted(report.not_on_roster) == ["anon_b8c9d", "anon_x7k2q"]
    assert {s.student: s.late for s in report.chosen} == {"anon_x7k2q": False, "anon_b8c9d": True}


def test_files_not_named_like_canvas_are_skipped_with_a_message(tmp_path):
    files = {**DOWNLOAD, "README.txt": "hello"}
    report = collect(write_zip(tmp_path / "dl.zip", files), "hw2", fmt="canvas", into=tmp_path / "subs")
    assert any(m.startswith("README.txt: not named like a Canvas") for m in report.parsed.messages)
    assert "README" not in str(tree(tmp_path / "subs"))
