"""A plain folder (or zip of one) in the layout ``grade run`` reads (see :mod:`grader.discover`).

::

    ROOT/<student>.py | ROOT/<student>.ipynb     one file
    ROOT/<student>/...                           several files
    ROOT/<assignment>/...                        the same, one level down

The student id is the file stem or the folder name; with a roster it must be
one of the roster's ``student`` ids, or the submission is flagged "not on
the roster". Hidden entries, ``__pycache__`` and ``.ipynb_checkpoints`` are
left out; documentation and data files at the top (``.md``, ``.txt``,
``.csv``, ``.json``, ``.yaml``) are ignored silently, other top-level files
are listed as skipped. No times or late flags.
"""

from __future__ import annotations

from grader.collect.model import CODE_SUFFIXES, Collected, Entry, Listing, Parsed
from grader.course.roster import Roster

__all__ = ["parse"]

_IGNORED = {"__pycache__", ".ipynb_checkpoints"}
_QUIET = (".md", ".txt", ".csv", ".json", ".yaml", ".yml")


def _hidden(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p in _IGNORED for p in parts)


def _root(listing: Listing, assignment: str | None) -> str:
    if assignment and any(e.name.startswith(f"{assignment}/") for e in listing.entries):
        return f"{assignment}/"
    return ""


def _group(listing: Listing, root: str, out: Parsed) -> dict[str, dict[str, Entry]]:
    """Student id to {relative name: entry}; a file student is keyed by its stem with its own name."""
    students: dict[str, dict[str, Entry]] = {}
    for entry in listing.entries:
        if not entry.name.startswith(root):
            out.messages.append(f"{entry.name}: outside {root or 'the folder'}; skipped")
            continue
        parts = tuple(entry.name[len(root):].split("/"))
        if _hidden(parts):
            continue
        if len(parts) == 1:
            stem, dot, suffix = parts[0].rpartition(".")
            if dot and f".{suffix}" in CODE_SUFFIXES:
                students.setdefault(stem, {})[parts[0]] = entry
            elif not parts[0].lower().endswith(_QUIET):
                out.messages.append(f"{entry.name}: not a .py or .ipynb file nor in a student folder; skipped")
            continue
        students.setdefault(parts[0], {})["/".join(parts[1:])] = entry
    return students


def parse(listing: Listing, roster: Roster | None, assignment: str | None = None) -> Parsed:
    """One submission per top-level code file or folder.

    Parameters
    ----------
    listing : Listing
        The checked entries.
    roster : Roster or None
        Student ids must be the roster's ``student`` values.
    assignment : str, optional
        When the listing holds a folder of this name, read inside it.

    Returns
    -------
    Parsed
    """
    out = Parsed(messages=["a plain folder holds no submission times or late flags: they are left empty"])
    root = _root(listing, assignment)
    for student, files in _group(listing, root, out).items():
        messages: list[str] = []
        on_roster = None if roster is None else student in roster
        if on_roster is False:
            messages.append(f"student {student!r}: not on the roster")
        if len(files) > 1 and any("/" not in rel and rel.startswith(f"{student}.") for rel in files):
            messages.append(f"{student}: both a file and a folder (or two files) in the download; "
                            "all are collected into one folder")
        out.submissions.append(Collected(
            student=student, original_name=f"{root}{student}", submitted_at=None, late=None,
            files={rel: e.data for rel, e in files.items()}, source_id=f"{root}{student}",
            messages=messages, on_roster=on_roster, person=f"folder:{student}",
            originals={rel: e.name for rel, e in files.items()}))
    return out
