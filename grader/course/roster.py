"""The class roster: who is enrolled, their LMS identities and extensions.

A roster is a CSV file with a header row. ``student`` is required: the id the
grader uses everywhere (the submission's file or folder name under
``submissions/<assignment>/``, the result document's ``student``). Optional
columns:

=================  ===========================================================
column             meaning
=================  ===========================================================
``name``           display name ("Ada Lovelace"); Canvas's "Student" column
``email``          e-mail address (a Moodle identifier)
``lms_id``         Canvas numeric user id (matches Canvas download file names)
``sis_id``         student information system id (Canvas "SIS User ID",
                   Moodle ``idnumber``)
``login``          login / username (Canvas "SIS Login ID", Moodle
                   ``username``, Blackboard ``Username``)
``section``        section name
``extension_hours``  hours added to every due date for this student (>= 0)
=================  ===========================================================

Any other column is kept as is in :attr:`RosterEntry.extra`, with its header
as the key, unless it looks like a misspelt known column (``extention_hours``,
``lms id``, ``Email``): that is an error naming the column it resembles, so
a typo never silently drops an extension. Empty cells mean "unknown".
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError

__all__ = ["KNOWN_COLUMNS", "Roster", "RosterEntry", "RosterError", "load_roster", "roster_from_rows"]

#: Columns with a meaning; every other column is kept in ``RosterEntry.extra``.
KNOWN_COLUMNS = ("student", "name", "email", "lms_id", "sis_id", "login", "section", "extension_hours")

#: A student id: what a file name stem may be (no path separators, not hidden).
_STUDENT_ID = re.compile(r"^[^/\\\s.][^/\\]*$")


class RosterError(UsageError):
    """The roster file is unusable; the message names the file and the row."""


@dataclass(frozen=True)
class RosterEntry:
    """One enrolled student.

    Attributes
    ----------
    student : str
        The grader's id (file stem under ``submissions/<assignment>/``).
    name, email, lms_id, sis_id, login, section : str
        As in the roster; empty when not given.
    extension_hours : float
        Hours added to every due date for this student (0 if none).
    extra : dict of str to str
        Every other column of the roster, by header.
    row : int
        Line number in the CSV file (the header is line 1), for messages.
    """

    student: str
    name: str = ""
    email: str = ""
    lms_id: str = ""
    sis_id: str = ""
    login: str = ""
    section: str = ""
    extension_hours: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)
    row: int = 0


@dataclass(frozen=True)
class Roster:
    """The enrolled students, in roster order, with lookups by id.

    Attributes
    ----------
    entries : tuple of RosterEntry
        In the order of the file.
    path : Path or None
        Where it was read from (None when built in memory).
    """

    entries: tuple[RosterEntry, ...]
    path: Path | None = None

    def __iter__(self) -> Iterator[RosterEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, student: object) -> bool:
        return any(e.student == student for e in self.entries)

    @property
    def students(self) -> list[str]:
        """The student ids in roster order."""
        return [e.student for e in self.entries]

    def get(self, student: str) -> RosterEntry | None:
        """The entry of ``student``, or None if not enrolled."""
        return next((e for e in self.entries if e.student == student), None)

    def by_lms_id(self, lms_id: str) -> RosterEntry | None:
        """The entry whose ``lms_id`` is ``lms_id`` (Canvas user id), or None."""
        lms_id = lms_id.strip()
        return next((e for e in self.entries if lms_id and e.lms_id == lms_id), None)

    def by_field(self, column: str, value: str) -> RosterEntry | None:
        """The first entry whose ``column`` (a known column or an extra one) equals ``value``.

        Comparison ignores surrounding spaces and, for ``email`` and
        ``login``, letter case. Returns None for an empty ``value``.
        """
        value = value.strip()
        if not value:
            return None
        fold = column in ("email", "login")
        for e in self.entries:
            have = getattr(e, column) if column in KNOWN_COLUMNS else e.extra.get(column, "")
            have = str(have).strip()
            if (have.lower() == value.lower()) if fold else (have == value):
                return e
        return None


def _entry(raw: dict[str, str], row: int, where: str) -> RosterEntry:
    student = raw.get("student", "").strip()
    if not student:
        raise RosterError(f"{where}, row {row}: 'student' is empty")
    if not _STUDENT_ID.match(student):
        raise RosterError(f"{where}, row {row}: student id {student!r} cannot be a file name "
                          "(no '/', '\\', leading '.' or leading space)")
    hours_text = raw.get("extension_hours", "").strip()
    hours = 0.0
    if hours_text:
        try:
            hours = float(hours_text)
        except ValueError:
            raise RosterError(f"{where}, row {row}: extension_hours {hours_text!r} is not a number") from None
        if not math.isfinite(hours) or hours < 0:
            raise RosterError(f"{where}, row {row}: extension_hours must be a number >= 0, not {hours_text!r}")
    lms_id = raw.get("lms_id", "").strip()
    if lms_id and not lms_id.isdigit():
        raise RosterError(f"{where}, row {row}: lms_id {lms_id!r} is not a Canvas numeric user id")
    known = {k: raw.get(k, "").strip() for k in ("name", "email", "sis_id", "login", "section")}
    extra = {k: v for k, v in raw.items() if k not in KNOWN_COLUMNS}
    return RosterEntry(student=student, lms_id=lms_id, extension_hours=hours, extra=extra, row=row, **known)


def roster_from_rows(header: list[str], rows: list[list[str]], where: str = "roster",
                     first_row: int = 2) -> Roster:
    """Validate a roster given as a header and rows of strings.

    Parameters
    ----------
    header : list of str
        Column names; ``student`` must be among them.
    rows : list of list of str
        One list per student, as long as ``header``.
    where : str
        Name of the source, for messages.
    first_row : int
        Line number of ``rows[0]`` in the source, for messages.

    Returns
    -------
    Roster

    Raises
    ------
    RosterError
        If ``student`` is missing, a header is empty, repeated or a near
        miss of a known column (``extention_hours``), a row has
        the wrong number of cells, an id is empty, not a file name or
        repeated (also ``lms_id``, ``sis_id``, ``email``, ``login``), or a
        value is malformed (``extension_hours`` not a number >= 0,
        ``lms_id`` not digits). The message names the row.
    """
    header = [h.strip() for h in header]
    if "student" not in header:
        raise RosterError(f"{where}: no 'student' column (columns: {header}); 'student' is required, "
                          f"and {', '.join(KNOWN_COLUMNS[1:])} are understood")
    for i, h in enumerate(header):
        if not h:
            raise RosterError(f"{where}: column {i + 1} has an empty header")
        if header.index(h) != i:
            raise RosterError(f"{where}: column {h!r} appears twice")
        if h not in KNOWN_COLUMNS:
            near = difflib.get_close_matches(h.lower().replace(" ", "_").replace("-", "_"), KNOWN_COLUMNS,
                                             n=1, cutoff=0.8)
            if near:
                raise RosterError(f"{where}, row 1: unknown column {h!r}; did you mean {near[0]!r}? "
                                  f"(understood: {', '.join(KNOWN_COLUMNS)}; other columns are kept "
                                  "as they are, but not one this close to a known name)")
    entries: list[RosterEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for offset, cells in enumerate(rows):
        row = first_row + offset
        if not any(c.strip() for c in cells):
            continue  # a blank line
        if len(cells) != len(header):
            raise RosterError(f"{where}, row {row}: {len(cells)} cell(s) for {len(header)} column(s)")
        entry = _entry(dict(zip(header, cells, strict=True)), row, where)
        for column in ("student", "lms_id", "sis_id", "email", "login"):
            value = getattr(entry, column)
            key = (column, value.lower() if column in ("email", "login") else value)
            if value and key in seen:
                raise RosterError(f"{where}, row {row}: {column} {value!r} is already used on row {seen[key]}")
            if value:
                seen[key] = row
        entries.append(entry)
    return Roster(tuple(entries))


def load_roster(path: Path) -> Roster:
    """Read and validate a roster CSV (UTF-8, with or without a byte-order mark).

    Parameters
    ----------
    path : Path
        The CSV file.

    Returns
    -------
    Roster
        With ``path`` set.

    Raises
    ------
    RosterError
        If the file cannot be read or decoded, or any rule of
        :func:`roster_from_rows` is broken.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"cannot read roster {str(path)!r}: {exc}") from None
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RosterError(f"{path}: not a readable CSV file: {exc}") from None
    if not table:
        raise RosterError(f"{path}: the roster is empty (a header row with 'student' is required)")
    roster = roster_from_rows(table[0], table[1:], where=str(path))
    return Roster(roster.entries, Path(path))
