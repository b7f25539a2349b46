"""Canvas "Download Submissions": flat files named after the student, the user id and the attachment id.

Rules (checked against ``instructure/canvas-lms`` ``lib/content_zipper.rb`` and
``app/models/attachment.rb``; see ``docs/lms-formats.md``)::

    <sortablename>_[late_]<user id>_<attachment id>_<display name>
    anon_<anonymous id>_<attachment id>_<display name>      anonymous grading
    <sortablename>_[late_]<user id>_text.html | _link.html    text / URL entries

``sortablename`` is "Last, First" with every non-word character removed and
lower-cased (``lovelaceada``). The late marker is ``late`` in older Canvas
and ``LATE`` in current Canvas: matched ignoring case. A file uploaded again
under a name the student's folder already holds is renamed
``<stem>-N<ext>`` (``Attachment.make_unique_filename``): of several files
with one stem, the highest ``N`` (then the highest attachment id) is the
latest; the others are listed as superseded. File names carry no time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.collect.identity import Identity, resolve
from grader.collect.model import Collected, Entry, Listing, Parsed
from grader.course.roster import Roster

__all__ = ["CanvasName", "parse", "parse_name", "split_resubmission"]

_NAMED = re.compile(r"^(?P<name>.+?)_(?:(?P<late>late)_)?(?P<uid>\d+)_(?P<aid>\d+)_(?P<orig>.+)$", re.I)
_ANON = re.compile(r"^(?:(?P<late>late)_)?(?P<uid>anon_[0-9a-z]+)_(?P<aid>\d+)_(?P<orig>.+)$", re.I)
_TEXT = re.compile(r"^(?:(?P<name>.+?)_)?(?:(?P<late>late)_)?(?P<uid>\d+|anon_[0-9a-z]+)_(?P<orig>text|link)\.html$",
                   re.I)
_RESUBMITTED = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[^.]*)?$")


@dataclass(frozen=True)
class CanvasName:
    """The parts of one Canvas download file name.

    Attributes
    ----------
    name : str
        The sanitised sortable name ("" for anonymous downloads).
    late : bool
        Whether the ``late_`` marker is present.
    user_id : str
        Canvas user id, or ``anon_<id>`` under anonymous grading.
    attachment_id : str
        Canvas attachment id ("" for text and URL entries).
    original : str
        The display name of the uploaded file (``text.html`` / ``link.html``
        for text and URL entries).
    """

    name: str
    late: bool
    user_id: str
    attachment_id: str
    original: str


def parse_name(filename: str) -> CanvasName | None:
    """Split a Canvas download file name; None if it does not follow the rules above.

    Parameters
    ----------
    filename : str
        The base name (no folder).

    Returns
    -------
    CanvasName or None
    """
    m = _ANON.match(filename) or _NAMED.match(filename)
    if m:
        name = m.groupdict().get("name") or ""
        return CanvasName(name, bool(m["late"]), m["uid"], m["aid"], m["orig"])
    m = _TEXT.match(filename)
    if m:
        return CanvasName(m["name"] or "", bool(m["late"]), m["uid"], "", f"{m['orig'].lower()}.html")
    return None


def split_resubmission(original: str) -> tuple[str, int]:
    """The file name without Canvas's ``-N`` duplicate suffix, and ``N`` (0 when absent).

    Parameters
    ----------
    original : str
        ``homework2-1.py``.

    Returns
    -------
    (str, int)
        ``("homework2.py", 1)``.
    """
    m = _RESUBMITTED.match(original)
    if not m:
        return original, 0
    return f"{m['stem']}{m['ext'] or ''}", int(m["n"])


def _latest_files(files: list[tuple[CanvasName, Entry]], messages: list[str]) -> dict[str, tuple[CanvasName, Entry]]:
    """One file per base name: the highest ``-N``, then the highest attachment id."""
    chosen: dict[str, tuple[tuple[int, int], CanvasName, Entry]] = {}
    for parsed, entry in files:
        base, n = split_resubmission(parsed.original)
        rank = (n, int(parsed.attachment_id or 0))
        old = chosen.get(base)
        if old is None or rank > old[0]:
            if old is not None:
                messages.append(f"{old[2].name} is superseded by the resubmission {entry.name}")
            chosen[base] = (rank, parsed, entry)
        else:
            messages.append(f"{entry.name} is superseded by the resubmission {old[2].name}")
    return {base: (parsed, entry) for base, (_, parsed, entry) in chosen.items()}


def _one_person(user_id: str, files: list[tuple[CanvasName, Entry]], roster: Roster | None) -> Collected:
    superseded: list[str] = []
    latest = _latest_files(files, superseded)
    messages: list[str] = []
    first = files[0][0]
    anonymous = user_id.lower().startswith("anon_")
    if anonymous:
        who = Identity(user_id.lower(), False if roster is not None else None,
                       "anonymous grading download: no name or user id to match")
    else:
        who = resolve(roster, first.name, [("lms_id", user_id)], fallback=user_id)
    messages.append(f"student {who.student!r}: {who.how}")
    late = any(parsed.late for parsed, _ in latest.values())
    return Collected(
        student=who.student, original_name=files[0][1].name, submitted_at=None, late=late,
        files={base: entry.data for base, (_, entry) in latest.items()},
        source_id=user_id, messages=messages, on_roster=who.on_roster, person=f"canvas:{user_id}",
        originals={base: entry.name for base, (_, entry) in latest.items()}, superseded=superseded)


def parse(listing: Listing, roster: Roster | None) -> Parsed:
    """Group a Canvas download's files by user id into one submission per student.

    Parameters
    ----------
    listing : Listing
        The checked entries (flat, or inside one wrapping folder).
    roster : Roster or None
        Matched through ``lms_id`` (the Canvas user id).

    Returns
    -------
    Parsed
        One :class:`Collected` per Canvas user (``submitted_at`` None,
        ``late`` from the marker); entries not named like Canvas files are
        listed in ``messages``.
    """
    out = Parsed(messages=["Canvas file names carry no submission time: submitted_at is left empty, "
                           "late comes from the file name's late marker"])
    by_user: dict[str, list[tuple[CanvasName, Entry]]] = {}
    for entry in listing.entries:
        parsed = parse_name(entry.basename)
        if parsed is None:
            out.messages.append(f"{entry.name}: not named like a Canvas submission file "
                                "(<name>_[late_]<user id>_<attachment id>_<file>); skipped")
            continue
        by_user.setdefault(parsed.user_id, []).append((parsed, entry))
    out.submissions = [_one_person(uid, files, roster) for uid, files in by_user.items()]
    return out
