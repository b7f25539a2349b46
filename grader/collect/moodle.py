"""Moodle assignment "Download all submissions": a folder (or a file prefix) per participant and plugin.

Rules (checked against Moodle's ``mod/assign/classes/downloader.php`` and the
older ``mod/assign/locallib.php``; see ``docs/lms-formats.md``)::

    <Full Name>_<participant id>_assignsubmission_file_/<path>   Moodle 3.1 - 4.0 folders
    <Full Name>_<participant id>_assignsubmission_file/<path>    Moodle 4.1+ folders
    <Full Name>_<participant id>_assignsubmission_file_<name>    "download as folders" off
    ..._assignsubmission_onlinetext_/onlinetext.html             online text plugin

The full name has its underscores replaced by spaces (so the name never
holds ``_``); under blind marking it is "Participant"; for team submissions
it is the group's name and the number is the group id. The number is the
assignment's participant id (``assign_user_mapping``), not the Moodle user
id: it matches the roster's ``lms_id`` or ``sis_id`` only when the roster was
made with those numbers, so the full name is matched against ``name`` too,
and wins when the two disagree. The download holds no submission times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader.collect.identity import Identity, resolve
from grader.collect.model import Collected, Entry, Listing, Parsed
from grader.course.roster import Roster

__all__ = ["FOLDER", "FLAT", "locate", "parse"]

#: A participant's plugin folder (trailing ``_`` before Moodle 4.1).
FOLDER = re.compile(r"^(?P<name>[^_/]+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_?$")
#: A participant's file when "download submissions in folders" is off.
FLAT = re.compile(r"^(?P<name>[^_/]+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)_(?P<file>.+)$")


def locate(entry: Entry) -> tuple[str, str, str, str] | None:
    """``(full name, participant id, plugin, path inside the submission)`` of an entry, or None.

    Parameters
    ----------
    entry : Entry
        An archive entry; any wrapping folders above the participant's folder are ignored.

    Returns
    -------
    tuple of str or None
    """
    parts = entry.parts
    for i, part in enumerate(parts[:-1]):
        m = FOLDER.match(part)
        if m:
            return m["name"].strip(), m["pid"], m["plugin"], "/".join(parts[i + 1:])
    m = FLAT.match(parts[-1])
    if m:
        return m["name"].strip(), m["pid"], m["plugin"], m["file"]
    return None


@dataclass
class _Participant:
    name: str
    pid: str
    files: dict[str, Entry] = field(default_factory=dict)
    plugins: set[str] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)


def _identify(roster: Roster | None, p: _Participant) -> Identity:
    by_id = resolve(roster, p.name, [("lms_id", p.pid), ("sis_id", p.pid)], fallback=f"participant_{p.pid}")
    if roster is None or p.name.lower() == "participant":
        return by_id
    by_name = resolve(roster, p.name, [], fallback=f"participant_{p.pid}")
    if by_name.on_roster and by_id.on_roster and by_name.student != by_id.student:
        p.messages.append(f"participant id {p.pid} matches {by_id.student!r} ({by_id.how}) but the name "
                          f"{p.name!r} matches {by_name.student!r}; the name wins (Moodle's participant id "
                          "is not its user id)")
        return by_name
    return by_id if by_id.on_roster else by_name


def _collected(p: _Participant, roster: Roster | None) -> Collected:
    who = _identify(roster, p)
    p.messages.append(f"student {who.student!r}: {who.how}")
    if "onlinetext" in p.plugins:
        p.messages.append("the online text entry is kept as onlinetext.html")
    first = min(p.files.values(), key=lambda e: e.name)
    return Collected(student=who.student, original_name=first.name, submitted_at=None, late=None,
                     files={rel: e.data for rel, e in p.files.items()}, source_id=p.pid, messages=p.messages,
                     on_roster=who.on_roster, person=f"moodle:{p.pid}",
                     originals={rel: e.name for rel, e in p.files.items()})


def parse(listing: Listing, roster: Roster | None) -> Parsed:
    """One submission per Moodle participant (all plugin folders merged).

    Parameters
    ----------
    listing : Listing
        The checked entries.
    roster : Roster or None
        Matched through the participant id (``lms_id``, then ``sis_id``) and
        the full name (``name``).

    Returns
    -------
    Parsed
        ``submitted_at`` and ``late`` are None: the download does not hold them.
    """
    out = Parsed(messages=["Moodle downloads hold no submission times: submitted_at and late are left empty"])
    people: dict[str, _Participant] = {}
    for entry in listing.entries:
        where = locate(entry)
        if where is None:
            out.messages.append(f"{entry.name}: not in a Moodle participant folder "
                                "(<Full Name>_<id>_assignsubmission_<plugin>_); skipped")
            continue
        name, pid, plugin, rel = where
        p = people.setdefault(pid, _Participant(name, pid))
        p.plugins.add(plugin)
        if rel in p.files:
            p.messages.append(f"{entry.name}: a second file named {rel!r} for this participant; "
                              f"{p.files[rel].name} is kept")
            continue
        p.files[rel] = entry
    out.submissions = [_collected(p, roster) for p in people.values()]
    return out
