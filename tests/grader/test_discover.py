from __future__ import annotations

import pytest

from grader.discover import discover
from grader.errors import UsageError

ASSIGNMENTS = {"hw1", "hw2"}


def _tree(tmp_path):
    (tmp_path / "hw2").mkdir()
    (tmp_path / "hw2" / "alice.py").write_text("x = 1\n")
    (tmp_path / "hw2" / "bob.ipynb").write_text("{}")
    (tmp_path / "hw2" / "carol").mkdir()
    (tmp_path / "hw2" / "carol" / "solution.py").write_text("y = 2\n")
    (tmp_path / "hw2" / "README.md").write_text("notes")
    (tmp_path / "hw2" / ".hidden.py").write_text("")
    (tmp_path / "hw1").mkdir()
    (tmp_path / "hw1" / "alice.py").write_text("z = 3\n")
    return tmp_path


def test_layouts_and_ids(tmp_path):
    found = discover(_tree(tmp_path), ASSIGNMENTS)
    got = [(s.assignment, s.student, s.kind) for s in found.submissions]
    assert got == [("hw1", "alice", "module"), ("hw2", "alice", "module"), ("hw2", "bob", "notebook"),
                   ("hw2", "carol", "package")]
    carol = found.submissions[-1]
    assert carol.source.name == "solution.py" and len(carol.sha256) == 64


def test_single_assignment_folder(tmp_path):
    found = discover(_tree(tmp_path) / "hw2", ASSIGNMENTS)
    assert {s.student for s in found.submissions} == {"alice", "bob", "carol"}


def test_duplicate_ids_and_ambiguous_folders_are_per_student_errors(tmp_path):
    root = _tree(tmp_path)
    (root / "hw2" / "alice.ipynb").write_text("{}")
    (root / "hw2" / "carol" / "other.py").write_text("")
    found = discover(root, ASSIGNMENTS)
    errors = {s.student: s.error for s in found.submissions if s.assignment == "hw2"}
    assert "more than one submission" in errors["alice"]
    assert "submit exactly one" in errors["carol"]
    assert errors["bob"] is None


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "not a folder"),
    (lambda p: (p / "hwX").mkdir() or p, "no assignment folder"),
    (lambda p: (p / "hw1").mkdir() or p, "no submissions"),
])
def test_usage_errors(tmp_path, make, message):
    with pytest.raises(UsageError, match=message):
        discover(make(tmp_path), ASSIGNMENTS)


def test_forced_assignment(tmp_path):
    (tmp_path / "dave.py").write_text("x = 1\n")
    found = discover(tmp_path, ASSIGNMENTS, assignment="hw1")
    assert [(s.assignment, s.student) for s in found.submissions] == [("hw1", "dave")]
    with pytest.raises(UsageError, match="unknown assignment"):
        discover(tmp_path, ASSIGNMENTS, assignment="hw9")


def test_roster_and_expected_grades_are_not_submissions(tmp_path):
    """The sample classes keep ROSTER.md and expected.yaml next to the submissions: both are
    ignored silently; an unknown file is reported as skipped."""
    root = _tree(tmp_path)
    (root / "hw2" / "ROSTER.md").write_text("| id |")
    (root / "hw2" / "expected.yaml").write_text("alice: {}\n")
    (root / "hw2" / "scan.pdf").write_bytes(b"%PDF")
    found = discover(root, ASSIGNMENTS)
    assert {s.student for s in found.submissions if s.assignment == "hw2"} == {"alice", "bob", "carol"}
    assert found.skipped == [str(root / "hw2" / "scan.pdf")]
