"""Small result documents and rosters built in memory, for fast tests of the LMS exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from grader.course.roster import Roster, RosterEntry

HEADER = ["student", "name", "email", "lms_id", "sis_id", "login", "section"]


def doc(student: str, assignment: str, score: float, max_score: float = 10.0) -> dict[str, Any]:
    """A valid result document with the given score and no items."""
    return {"schema_version": 1, "student": student, "assignment": assignment, "score": score,
            "max_score": max_score, "submission_sha256": "", "submission_path": f"{assignment}/{student}.py",
            "submission_kind": "module", "graded_at": "2026-01-01T00:00:00+00:00", "grader_version": "0.1.0",
            "errors": [], "notes": [], "stdout": "", "items": [], "manual": []}


def entry(student: str, n: int, **fields: str) -> RosterEntry:
    """A roster entry with every identity field filled in from ``student`` and ``n``."""
    first, _, last = student.partition("_")
    values = {"name": f"{first.title()} {last.title()}", "email": f"{student}@example.edu",
              "lms_id": str(4000 + n), "sis_id": f"S{n:03d}", "login": f"{first[0]}{last}", "section": "A"}
    values.update(fields)
    return RosterEntry(student=student, row=n + 1, **values)


ROSTER = Roster((entry("ada_lovelace", 1), entry("zoe_zed", 2, section="B"), entry("bob_missing", 3)))

DOCS = [
    doc("ada_lovelace", "hw2", 7.5), doc("zoe_zed", "hw2", 1 / 3), doc("ada_lovelace", "hw10", 20.0, 20.0),
    doc("stranger_one", "hw2", 9.0),
]


def write_results(root: Path, docs: list[dict[str, Any]]) -> Path:
    """Write ``docs`` as ``root/results/<assignment>/<student>.json``; returns ``root``."""
    for d in docs:
        path = root / "results" / d["assignment"] / f"{d['student']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(d), encoding="utf-8")
    return root


def write_roster(path: Path, roster: Roster) -> Path:
    """Write ``roster`` as a roster CSV at ``path``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for e in roster:
        writer.writerow([getattr(e, h) for h in HEADER])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def rows(path: Path) -> list[list[str]]:
    """The file as the csv module reads it (exact cells, after checking it is UTF-8 without BOM)."""
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
