"""Data shared by the collect stage: archive entries, parsed submissions, results of a parser.

Kept apart from the modules that make or use them, so that the parsers, the
writer and the command depend on this module and not on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["CODE_SUFFIXES", "Collected", "Entry", "Listing", "Parsed"]

#: Suffixes written as ``<student><suffix>`` when a submission is that one file.
CODE_SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Entry:
    """One regular file read from the archive or folder, already checked.

    Attributes
    ----------
    name : str
        Path inside the archive, ``/``-separated, relative, without ``..``.
    data : bytes
        The file's content (never more than the per-file limit).
    """

    name: str
    data: bytes

    @property
    def parts(self) -> tuple[str, ...]:
        """The path's components."""
        return tuple(self.name.split("/"))

    @property
    def basename(self) -> str:
        """The last component of the path."""
        return self.parts[-1]


@dataclass
class Listing:
    """Everything read from one source, with what was refused and why.

    Attributes
    ----------
    source : str
        The zip file or folder as given on the command line.
    kind : {"zip", "folder"}
        What ``source`` is.
    entries : list of Entry
        The files that passed every check, in archive order.
    refused : list of str
        One message per refused entry (unsafe path, link, nested archive,
        too large, ...), naming the entry and the reason.
    skipped : list of str
        Entries left out on purpose (folders, ``__MACOSX/`` metadata).
    """

    source: str
    kind: str
    entries: list[Entry] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        """The entry names, in order."""
        return [e.name for e in self.entries]


@dataclass
class Collected:
    """One submission as found in the download, before it is written.

    Attributes
    ----------
    student : str
        The grader's student id (the roster's ``student``, or one derived
        from the name in the download when no roster row matches).
    original_name : str
        The file or folder name in the download this submission comes from.
    submitted_at : datetime or None
        When it was submitted (time-zone aware), None when the download does
        not say (Canvas file names, Moodle folders, plain folders).
    late : bool or None
        Whether the platform marked it late; None when it does not say.
    files : dict of str to bytes
        Relative file name (as written under ``<student>/``) to content.
    source_id : str
        The platform's identifier of the submission (Canvas ``<user id>/<attachment
        ids>``, Gradescope ``submission_<id>``, Moodle participant id, folder path).
    messages : list of str
        What happened to this submission (superseded files, guesses made).
    on_roster : bool or None
        Whether a roster row matched; None when no roster was given.
    person : str
        The platform's identity of the person, used to tell apart two people
        whose derived ids collide ("" when unknown).
    attempt : int
        Order among several submissions of one student when no time is known
        (higher is later).
    originals : dict of str to str
        Relative file name (a key of ``files``) to its name in the download.
    superseded : list of str
        Older files of this same submission left out (Canvas ``-N`` resubmissions).
    """

    student: str
    original_name: str
    submitted_at: datetime | None
    late: bool | None
    files: dict[str, bytes]
    source_id: str
    messages: list[str] = field(default_factory=list)
    on_roster: bool | None = None
    person: str = ""
    attempt: int = 0
    originals: dict[str, str] = field(default_factory=dict)
    superseded: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    """What a format parser found: submissions plus messages about the download as a whole.

    Attributes
    ----------
    submissions : list of Collected
        In download order; several may belong to one student (resubmissions).
    messages : list of str
        Entries that are not submissions, unknown times, guesses.
    """

    submissions: list[Collected] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
