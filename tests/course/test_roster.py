"""The roster loader: what a valid roster gives, and a clear error naming the row for each bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course.roster import RosterError, load_roster

ROOT = Path(__file__).resolve().parents[2]

HEADER = "student,name,email,lms_id,sis_id,login,section,extension_hours"


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_the_bundled_hw2_roster_loads():
    roster = load_roster(ROOT / "submissions" / "roster.csv")
    assert len(roster) == 14 and roster.students[0] == "ada_lovelace"
    hopper = roster.get("grace_hopper")
    assert hopper is not None and hopper.extension_hours == 48
    assert roster.by_lms_id(hopper.lms_id) == hopper
    # every submission of the bundled hw2 class is on it, and one enrolled student has none
    submitted = {p.stem for p in (ROOT / "submissions" / "hw2").iterdir() if p.suffix in (".py", ".ipynb")
                 or p.is_dir()}
    assert submitted <= set(roster.students)
    assert set(roster.students) - submitted == {"mary_somerville"}


def test_fields_extra_columns_and_lookups(tmp_path):
    path = _write(tmp_path, "\ufeff" + HEADER + ",team\n"
                  'ada,"Lovelace, Ada",Ada@Example.edu,101,S1,alove,A,24,red\n'
                  "alan,,,102,,,,,\n\n")
    roster = load_roster(path)
    ada = roster.get("ada")
    assert ada is not None and ada.name == "Lovelace, Ada" and ada.extension_hours == 24.0
    assert ada.extra == {"team": "red"} and ada.row == 2
    assert roster.by_field("email", "ada@example.EDU") == ada  # e-mail compared without case
    assert roster.by_field("team", "red") == ada
    assert roster.by_field("sis_id", "") is None
    assert roster.get("alan").extension_hours == 0.0  # type: ignore[union-attr]
    assert "alan" in roster and "grace" not in roster and roster.path == path


@pytest.mark.parametrize("text, message", [
    ("name,email\nAda,a@x\n", "no 'student' column"),
    (HEADER + "\nada,,,101,,,,\nada,,,102,,,,\n", "row 3: student 'ada' is already used on row 2"),
    (HEADER + "\nada,,,101,,,,\nalan,,,101,,,,\n", "row 3: lms_id '101' is already used on row 2"),
    (HEADER + "\nada,,a@x.org,,,,,\nalan,,A@X.org,,,,,\n", "row 3: email 'A@X.org' is already used"),
    (HEADER + "\nada,,,10a,,,,\n", "row 2: lms_id '10a' is not a Canvas numeric user id"),
    (HEADER + "\nada,,,,,,,two days\n", "row 2: extension_hours 'two days' is not a number"),
    (HEADER + "\nada,,,,,,,-1\n", "row 2: extension_hours must be a number >= 0"),
    (HEADER + "\n,Ada,,,,,,\n", "row 2: 'student' is empty"),
    (HEADER + "\n../ada,,,,,,,\n", "row 2: student id '../ada' cannot be a file name"),
    (HEADER + "\nada,Ada\n", "row 2: 2 cell(s) for 8 column(s)"),
    ("student,extention_hours\nada,24\n", "unknown column 'extention_hours'; did you mean 'extension_hours'?"),
    ("student,student\nada,ada\n", "column 'student' appears twice"),
    ("", "the roster is empty"),
])
def test_bad_rosters_are_clear_errors(tmp_path, text, message):
    with pytest.raises(RosterError, match=None) as info:
        load_roster(_write(tmp_path, text))
    assert message in str(info.value)


def test_unreadable_encoding_is_a_clear_error(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"student,name\nada,Ren\xe9\n")
    with pytest.raises(RosterError, match="cannot read roster"):
        load_roster(path)


def test_a_valid_row_passes_the_checks_the_bad_ones_fail(tmp_path):
    """The counterpart of the error table: the same columns with good values load."""
    rows = "\nada,,a@x.org,101,S1,alove,A,0\nalan,,b@x.org,102,S2,aturing,B,1.5\n"
    roster = load_roster(_write(tmp_path, HEADER + rows))
    assert roster.students == ["ada", "alan"] and roster.get("alan").extension_hours == 1.5  # type: ignore[union-attr]
