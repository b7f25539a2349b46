"""Gradescope exports: submission_metadata.yml, created_at, submitters by e-mail / SID, groups."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from grader.collect.run import collect
from grader.errors import UsageError
from tests.collect.archives import tree, write_folder, write_roster, write_zip

META = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: ''
    :email: ADA@example.edu
  :created_at: 2026-01-10 12:00:00.123456000 -07:00
  :score: 10.0
submission_102:
  :submitters:
  - :name: Ada Lovelace
    :sid: ''
    :email: ada@example.edu
  :created_at: 2026-01-09 08:00:00.000000000 -07:00
submission_103:
  :submitters:
  - :name: Someone Else
    :sid: S2
    :email: other@example.org
  - :name: Charles Babbage
    :sid: ''
    :email: cb@example.org
  :created_at: 2026-01-11 09:30:00 +00:00
submission_104:
  :submitters:
  - :name: Grace Hopper
    :email: grace@example.edu
"""
FILES = {
    "assignment_55_export/submission_metadata.yml": META,
    "assignment_55_export/submission_101/homework2.py": "ada latest\n",
    "assignment_55_export/submission_102/homework2.py": "ada earlier\n",
    "assignment_55_export/submission_103/main.py": "group\n",
    "assignment_55_export/submission_103/util.py": "U = 1\n",
    "assignment_55_export/submission_104.pdf": "%PDF-1.4 not code",
    "assignment_55_export/stray.py": "not listed\n",
}


@pytest.mark.parametrize("form", ["zip", "folder"])
def test_gradescope_export_with_roster(tmp_path, form):
    source = write_zip(tmp_path / "e.zip", FILES) if form == "zip" else write_folder(tmp_path / "e", FILES)
    into = tmp_path / "subs"
    report = collect(source, "hw2", roster_path=write_roster(tmp_path / "r.csv"), into=into)
    assert report.fmt == "gradescope" and "submission_metadata.yml" in report.reason
    files = tree(into / "hw2")
    assert files["ada_lovelace.py"] == b"ada latest\n"            # created_at decides, not folder order
    assert files["alan_turing/main.py"] == b"group\n"             # sid S2 -> sis_id
    assert files["charles_babbage/util.py"] == b"U = 1\n"         # group submission copied to each member
    assert files["grace_hopper/submission_104.pdf"].startswith(b"%PDF")
    by = {s.student: s for s in report.chosen}
    assert by["ada_lovelace"].submitted_at == datetime(2026, 1, 10, 12, 0, 0, 123456,
                                                       tzinfo=timezone(timedelta(hours=-7)))
    assert by["ada_lovelace"].source_id == "submission_101"
    assert by["grace_hopper"].submitted_at is None and by["grace_hopper"].late is None
    assert report.not_on_roster == ["charles_babbage"]
    assert any("submission_102 is superseded by the later submission_101" in m for m in report.superseded)
    assert any("stray.py: not part of a submission" in m for m in report.parsed.messages)
    assert any("group submission" in m for m in by["alan_turing"].messages)


def test_without_roster_ids_come_from_names(tmp_path):
    report = collect(write_zip(tmp_path / "e.zip", FILES), "hw2", into=tmp_path / "subs")
    assert sorted(s.student for s in report.chosen) == ["ada_lovelace", "charles_babbage", "grace_hopper",
                                                         "someone_else"]


def test_plain_keys_and_string_times_are_read_too(tmp_path):
    meta = "submission_1:\n  submitters:\n  - name: Ada Lovelace\n    email: ada@example.edu\n" \
           "  created_at: '2026-01-10T12:00:00+01:00'\n"
    files = {"submission_metadata.yml": meta, "submission_1/a.py": "x\n"}
    report = collect(write_zip(tmp_path / "e.zip", files), "hw2", into=tmp_path / "subs")
    assert report.chosen[0].submitted_at == datetime(2026, 1, 10, 11, 0, tzinfo=timezone.utc)


def test_a_time_without_zone_is_taken_as_utc_and_said(tmp_path):
    meta = "submission_1:\n  :submitters:\n  - :name: Ada Lovelace\n  :created_at: 2026-01-10 12:00:00\n"
    report = collect(write_zip(tmp_path / "e.zip", {"submission_metadata.yml": meta, "submission_1/a.py": "x"}),
                     "hw2", into=tmp_path / "subs")
    assert report.chosen[0].submitted_at == datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc)
    assert any("no time zone; UTC assumed" in m for m in report.parsed.messages)


def test_unreadable_metadata_is_a_usage_error(tmp_path):
    files = {"submission_metadata.yml": "a: [unclosed", "submission_1/a.py": "x"}
    with pytest.raises(UsageError, match="not readable YAML"):
        collect(write_zip(tmp_path / "e.zip", files), "hw2", into=tmp_path / "subs")
    with pytest.raises(UsageError, match="expected a mapping"):
        collect(write_zip(tmp_path / "f.zip", {"submission_metadata.yml": "- a\n- b\n"}), "hw2",
                into=tmp_path / "subs")


def test_forcing_gradescope_on_a_download_without_metadata_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="not a Gradescope export"):
        collect(write_zip(tmp_path / "e.zip", {"a.py": "x"}), "hw2", fmt="gradescope", into=tmp_path / "subs")
