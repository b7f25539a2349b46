"""``submission_metadata.json``: who submitted, when, and the assignment's due dates.

Gradescope writes ``$AUTOGRADER_ROOT/submission_metadata.json`` before
``run_autograder`` runs (https://gradescope-autograders.readthedocs.io/en/latest/submission_metadata/)::

    {"id": 123456, "created_at": "2018-07-01T14:22:32.365935-07:00",
     "assignment": {"due_date": "...", "late_due_date": null, "title": "...", ...},
     "users": [{"email": "student@example.com", "id": 1234, "name": "Student User"}],
     "previous_submissions": [...]}

It is read tolerantly (the page warns the layout may change): a missing or
unreadable file, or a missing field, gives ``None`` and a note, never an
error, so a result is always written.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SubmissionMetadata", "read_metadata", "student_id"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class SubmissionMetadata:
    """The fields of ``submission_metadata.json`` the autograder uses.

    Attributes
    ----------
    user_ids : tuple of str
        Gradescope ids of the submitters (several for a group), as strings.
    emails : tuple of str
        Their e-mail addresses (may be empty strings).
    created_at : datetime or None
        When the submission was made.
    due_date : datetime or None
        The assignment's due date.
    late_due_date : datetime or None
        Its late due date, if late submissions are allowed.
    title : str
        The assignment's title on Gradescope.
    notes : tuple of str
        What could not be read (for the instructor's log).
    """

    user_ids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    created_at: _dt.datetime | None = None
    due_date: _dt.datetime | None = None
    late_due_date: _dt.datetime | None = None
    title: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def details_shown_after(self) -> _dt.datetime | None:
        """When Gradescope shows ``after_due_date`` tests: the late due date if set, else the due date."""
        return self.late_due_date or self.due_date


def _when(value: Any) -> _dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def read_metadata(path: Path) -> SubmissionMetadata:
    """Read ``submission_metadata.json``; anything unreadable is a note, not an error.

    Parameters
    ----------
    path : Path
        ``$AUTOGRADER_ROOT/submission_metadata.json``.

    Returns
    -------
    SubmissionMetadata
        Empty (with a note) when the file is missing or is not a JSON object.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SubmissionMetadata(notes=(f"{path.name} not found: no submitter or due date",))
    except (OSError, ValueError) as exc:
        return SubmissionMetadata(notes=(f"{path.name} unreadable ({exc}): no submitter or due date",))
    if not isinstance(raw, dict):
        return SubmissionMetadata(notes=(f"{path.name} is not a JSON object: no submitter or due date",))
    users = [u for u in raw.get("users") or [] if isinstance(u, dict)]
    assignment = raw.get("assignment")
    if not isinstance(assignment, dict):
        assignment = {}
    ids = tuple(str(u["id"]) for u in users if u.get("id") is not None)
    notes = () if ids else (f"{path.name} names no submitter id",)
    return SubmissionMetadata(
        user_ids=ids, emails=tuple(str(u.get("email") or "") for u in users),
        created_at=_when(raw.get("created_at")), due_date=_when(assignment.get("due_date")),
        late_due_date=_when(assignment.get("late_due_date")), title=str(assignment.get("title") or ""),
        notes=notes)


def student_id(meta: SubmissionMetadata, fallback: str = "student") -> str:
    """The student id that seeds the hidden inputs: ``gs<Gradescope user id>``.

    The Gradescope user id is stable across resubmissions, so a student gets
    the same hidden inputs every time (a group: its lowest id). Without
    metadata every submission gets ``fallback``.

    Parameters
    ----------
    meta : SubmissionMetadata
        The submission's metadata.
    fallback : str, optional
        The id when the metadata names no user.

    Returns
    -------
    str
        A file-name-safe, non-empty id.
    """
    if not meta.user_ids:
        return _UNSAFE.sub("_", fallback) or "student"
    first = min(meta.user_ids, key=lambda s: (len(s), s))
    return "gs" + (_UNSAFE.sub("_", first) or "0")
