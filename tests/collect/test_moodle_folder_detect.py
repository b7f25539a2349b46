"""Moodle participant folders, plain folders, and --from auto."""

from __future__ import annotations

import pytest

from grader.collect.detect import detect
from grader.collect.extract import read_zip
from grader.collect.model import Entry
from grader.collect.moodle import locate
from grader.collect.run import collect
from tests.collect.archives import tree, write_folder, write_roster, write_zip

MOODLE = {
    "Ada Lovelace_4101_assignsubmission_file_/homework2.py": "ada\n",             # Moodle 3.x folder
    "Alan Turing_77_assignsubmission_file/main.py": "alan main\n",                 # Moodle 4.1+ folder
    "Alan Turing_77_assignsubmission_file/lib/util.py": "U = 1\n",
    "Alan Turing_77_assignsubmission_onlinetext_/onlinetext.html": "<p>notes</p>",
    "Charles Babbage_88_assignsubmission_file_/engine.ipynb": "{}",
}


@pytest.mark.parametrize("name, expected", [
    ("Ada Lovelace_4101_assignsubmission_file_/homework2.py", ("Ada Lovelace", "4101", "file", "homework2.py")),
    ("wrap/Ada Lovelace_1_assignsubmission_file/a/b.py", ("Ada Lovelace", "1", "file", "a/b.py")),
    ("Ada Lovelace_1_assignsubmission_file_homework2.py", ("Ada Lovelace", "1", "file", "homework2.py")),
    ("Participant_5_assignsubmission_onlinetext_/onlinetext.html", ("Participant", "5", "onlinetext",
                                                                    "onlinetext.html")),
])
def test_moodle_names_are_located(name, expected):
    assert locate(Entry(name, b"")) == expected


@pytest.mark.parametrize("name", ["Ada Lovelace/homework2.py", "Ada_Lovelace_1_file_/x.py", "x.py",
                                  "Ada Lovelace_x_assignsubmission_file_/x.py"])
def test_other_names_are_not_moodle(name):
    assert locate(Entry(name, b"")) is None


@pytest.mark.parametrize("form", ["zip", "folder"])
def test_moodle_download_with_roster(tmp_path, form):
    source = write_zip(tmp_path / "m.zip", MOODLE) if form == "zip" else write_folder(tmp_path / "m", MOODLE)
    into = tmp_path / "subs"
    report = collect(source, "hw2", roster_path=write_roster(tmp_path / "r.csv"), into=into)
    assert report.fmt == "moodle"
    files = tree(into / "hw2")
    assert files["ada_lovelace.py"] == b"ada\n"                        # participant id 4101 = lms_id
    assert files["alan_turing/main.py"] == b"alan main\n"              # by name (77 is on no row)
    assert files["alan_turing/lib/util.py"] == b"U = 1\n"
    assert files["alan_turing/onlinetext.html"] == b"<p>notes</p>"     # plugins of one participant merged
    assert files["charles_babbage.ipynb"] == b"{}"
    assert report.not_on_roster == ["charles_babbage"]
    assert all(s.submitted_at is None and s.late is None for s in report.chosen)


def test_a_participant_id_naming_someone_else_loses_to_the_name(tmp_path):
    files = {"Alan Turing_4101_assignsubmission_file_/a.py": "alan\n"}          # 4101 is ada's lms_id
    report = collect(write_zip(tmp_path / "m.zip", files), "hw2", roster_path=write_roster(tmp_path / "r.csv"),
                     into=tmp_path / "subs")
    assert [s.student for s in report.chosen] == ["alan_turing"]
    assert any("the name wins" in m for m in report.chosen[0].messages)


def test_blind_marking_matches_by_id_only(tmp_path):
    files = {"Participant_4107_assignsubmission_file_/a.py": "g\n", "Participant_9_assignsubmission_file_/a.py": "?"}
    report = collect(write_zip(tmp_path / "m.zip", files), "hw2", roster_path=write_roster(tmp_path / "r.csv"),
                     into=tmp_path / "subs")
    assert sorted(s.student for s in report.chosen) == ["grace_hopper", "participant"]
    assert report.not_on_roster == ["participant"]


def test_two_people_with_one_derived_id_are_kept_apart(tmp_path):
    files = {"John Smith_1_assignsubmission_file_/a.py": "one\n", "John Smith_2_assignsubmission_file_/a.py": "two\n"}
    report = collect(write_zip(tmp_path / "m.zip", files), "hw2", into=tmp_path / "subs")
    assert sorted(s.student for s in report.chosen) == ["john_smith_1", "john_smith_2"]
    assert tree(tmp_path / "subs" / "hw2").keys() - {"index.csv"} == {"john_smith_1.py", "john_smith_2.py"}


FOLDER = {"hw2/ada_lovelace.py": "ada\n", "hw2/emmy/homework2.py": "e\n", "hw2/emmy/data/x.csv": "1,2\n",
          "hw2/ROSTER.md": "# notes", "hw2/expected.yaml": "a: 1", "hw2/picture.png": "png",
          "hw2/.hidden.py": "h", "hw2/emmy/__pycache__/homework2.cpython-311.pyc": "pyc"}


@pytest.mark.parametrize("form", ["zip", "folder"])
def test_plain_folder_layout(tmp_path, form):
    source = write_zip(tmp_path / "f.zip", FOLDER) if form == "zip" else write_folder(tmp_path / "f", FOLDER)
    into = tmp_path / "subs"
    report = collect(source, "hw2", fmt="folder", roster_path=write_roster(tmp_path / "r.csv"), into=into)
    assert tree(into / "hw2").keys() - {"index.csv"} == {"ada_lovelace.py", "emmy/homework2.py", "emmy/data/x.csv"}
    assert report.not_on_roster == ["emmy"]
    assert [m for m in report.parsed.messages if "skipped" in m] == [
        "hw2/picture.png: not a .py or .ipynb file nor in a student folder; skipped"]


def test_detection_of_each_format(tmp_path):
    from tests.collect.test_canvas import DOWNLOAD
    from tests.collect.test_gradescope import FILES
    cases = {"canvas": DOWNLOAD, "gradescope": FILES, "moodle": MOODLE, "folder": FOLDER}
    for expected, files in cases.items():
        fmt, reason = detect(read_zip(write_zip(tmp_path / f"{expected}.zip", files)))
        assert fmt == expected, (expected, reason)
        assert reason


def test_one_odd_name_does_not_decide_and_a_minority_does_not_either(tmp_path):
    mostly_plain = {"a.py": "", "b.py": "", "c.py": "", "lovelaceada_4101_1_x.py": ""}
    assert detect(read_zip(write_zip(tmp_path / "a.zip", mostly_plain)))[0] == "folder"
    mostly_canvas = {"lovelaceada_4101_1_x.py": "", "turingalan_4102_2_y.py": "", "notes.txt": ""}
    assert detect(read_zip(write_zip(tmp_path / "b.zip", mostly_canvas)))[0] == "canvas"
    assert detect(read_zip(write_zip(tmp_path / "c.zip", {})))[0] == "folder"


def test_moodle_download_without_folders(tmp_path):
    files = {"Ada Lovelace_4101_assignsubmission_file_homework2.py": "ada\n",
             "Ada Lovelace_4101_assignsubmission_file_notes.txt": "n\n",
             "Grace Hopper_7_assignsubmission_file_cobol.py": "g\n"}
    into = tmp_path / "subs"
    report = collect(write_zip(tmp_path / "m.zip", files), "hw2", roster_path=write_roster(tmp_path / "r.csv"),
                     into=into)
    assert report.fmt == "moodle"
    assert tree(into / "hw2").keys() - {"index.csv"} == {"ada_lovelace/homework2.py", "ada_lovelace/notes.txt",
                                                         "grace_hopper.py"}
