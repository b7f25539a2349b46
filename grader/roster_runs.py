"""What a run knows about the class besides the submissions: the roster, due dates, submission times.

:class:`ClassContext` re-scores a document for its submission (roster flag,
late assessment with the student's extension, totals) without running code;
:func:`missing_document` is the result of a roster student who submitted
nothing; :func:`settle_roster` writes those, and removes the ``missing``
documents of students no longer on the roster.

Submission times come from ``index.csv`` in the assignment folder (written by
``grade collect``: columns ``student, original_name, submitted_at, late,
source_id, path``); a student without a time there gets the file's
modification time, and the document a note saying so
(:data:`grader.rescore.MTIME_NOTE`). Times are looked up only for assignments
that have a late policy.

Decisions
---------
- A roster student without a submission gets a ``missing`` document (score 0,
  every item ``missing``), replaced by a graded one as soon as a submission
  appears (its content hash differs, so it is graded).
- A student who has a *graded* document but no submission any more keeps it
  (graded work is never thrown away); a warning says so.
- A ``missing`` document of a student who is no longer on the roster is
  deleted, with its report page (it holds no work). Graded documents of
  students not on the roster are kept and flagged (``on_roster: false``).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grader
from grader.course.late import LatePolicy, assess
from grader.course.roster import Roster
from grader.discover import Submission
from grader.errors import UsageError
from grader.manual import apply_manual, manual_entry, manual_scores_of
from grader.record import result_path
from grader.rescore import apply_late, recompute_totals, set_roster_flag
from grader.results import SCHEMA_VERSION, ResultError, read_result, write_result
from grader.rubric import Rubric

__all__ = ["INDEX_NAME", "ClassContext", "IndexEntry", "RosterOutcome", "missing_document", "read_index",
           "settle_roster"]

#: The LMS metadata file of an assignment folder (see :mod:`grader.discover`).
INDEX_NAME = "index.csv"


def _parse_time(text: str, where: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{where}: submitted_at {text!r} is not an ISO 8601 date and time") from None
    if when.utcoffset() is None:
        raise UsageError(f"{where}: submitted_at {text!r} has no time zone (add e.g. +00:00)")
    return when


@dataclass(frozen=True)
class IndexEntry:
    """One student's row of an assignment folder's ``index.csv`` (written by ``grade collect``).

    Attributes
    ----------
    submitted_at : datetime or None
        Aware submission time from the LMS; None when the LMS gave none
        (Canvas downloads carry no time).
    late : bool or None
        The LMS's own late flag (Canvas's ``late_`` file-name marker); None if unknown.
    """

    submitted_at: dt.datetime | None
    late: bool | None


def read_index(folder: Path) -> dict[str, IndexEntry]:
    """The students of an assignment folder's ``index.csv``, with their times and late flags.

    Parameters
    ----------
    folder : Path
        An assignment folder.

    Returns
    -------
    dict
        Student -> :class:`IndexEntry` (empty if there is no ``index.csv``);
        a student with several rows (several files) keeps the first time given.

    Raises
    ------
    UsageError
        If the file is unreadable, has no ``student`` or ``submitted_at``
        column, or a time is not ISO 8601 with a time zone (the message names the row).
    """
    path = Path(folder) / INDEX_NAME
    if not path.is_file():
        return {}
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read {str(path)!r}: {exc}") from None
    if rows and not {"student", "submitted_at"} <= set(rows[0]):
        raise UsageError(f"{path}: needs the columns 'student' and 'submitted_at'")
    entries: dict[str, IndexEntry] = {}
    for number, row in enumerate(rows, start=2):
        student = (row.get("student") or "").strip()
        text = (row.get("submitted_at") or "").strip()
        when = _parse_time(text, f"{path}, row {number}") if text else None
        flag = {"true": True, "false": False}.get((row.get("late") or "").strip().lower())
        known = entries.get(student)
        if known is None or (known.submitted_at is None and when is not None):
            entries[student] = IndexEntry(when, flag if known is None or flag is not None else known.late)
    return entries


@dataclass
class ClassContext:
    """The roster and late policies of a run: how a document is re-scored for its submission.

    Attributes
    ----------
    roster : Roster or None
        Enrolled students (None: the run has no roster).
    late_policies : mapping or None
        Assignment -> :class:`~grader.course.late.LatePolicy`.
    warn : callable
        Told one line per submission time taken from a file's modification time.
    """

    roster: Roster | None = None
    late_policies: Mapping[str, LatePolicy] | None = None
    warn: Callable[[str], None] = lambda message: None
    _indexes: dict[Path, dict[str, IndexEntry]] = field(default_factory=dict)

    def read_indexes(self, submissions: list[Submission]) -> None:
        """Read the ``index.csv`` of every assignment folder that has a late policy, before any grading.

        Parameters
        ----------
        submissions : list of Submission
            The run's submissions.

        Raises
        ------
        UsageError
            If one is unusable (see :func:`read_index`): the run stops before grading.
        """
        for sub in submissions:
            folder = sub.path.parent
            if sub.assignment in (self.late_policies or {}) and folder not in self._indexes:
                self._indexes[folder] = read_index(folder)

    def submitted_at(self, sub: Submission) -> tuple[dt.datetime | None, bool]:
        """When ``sub`` was submitted, and whether that is the file's modification time.

        Parameters
        ----------
        sub : Submission
            A discovered submission.

        Returns
        -------
        tuple
            The aware time and True when it is the file's modification time
            (the student has no row in ``index.csv``). None when the file
            cannot be read, or when ``index.csv`` lists the student without a
            time (its files were written by ``grade collect``, so their
            modification time is the collection's; an LMS late flag is then
            a warning, not a penalty).

        Raises
        ------
        UsageError
            If the folder's ``index.csv`` is unusable (see :func:`read_index`).
        """
        folder = sub.path.parent
        if folder not in self._indexes:
            self._indexes[folder] = read_index(folder)
        entry = self._indexes[folder].get(sub.student)
        if entry is not None and entry.submitted_at is not None:
            return entry.submitted_at, False
        if entry is not None:  # collected from an LMS that gave no time: the file's time is the collection's
            if entry.late:
                self.warn(f"{sub.assignment}/{sub.student}: the LMS marked this submission late but gave no "
                          "time, so no late penalty is applied; set submitted_at in index.csv or use "
                          "grade override")
            return None, False
        try:
            stamp = (sub.source or sub.path).stat().st_mtime
        except OSError:
            return None, False
        self.warn(f"{sub.assignment}/{sub.student}: submission time taken from the file's modification time")
        return dt.datetime.fromtimestamp(stamp, tz=dt.timezone.utc), True

    def rescore(self, doc: dict[str, Any], sub: Submission) -> bool:
        """Apply the roster flag and the late policy to ``doc`` and recompute its totals, in place.

        Parameters
        ----------
        doc : dict
            The result document of ``sub`` (stored or just graded).
        sub : Submission
            Its submission.

        Returns
        -------
        bool
            Whether the document changed (and must be written again).

        Raises
        ------
        UsageError
            If the folder's ``index.csv`` is unusable.
        """
        before = {k: v for k, v in doc.items() if k != "graded_at"}
        set_roster_flag(doc, None if self.roster is None else sub.student in self.roster)
        policy = (self.late_policies or {}).get(sub.assignment)
        if policy is None:
            apply_late(doc, None)
        else:
            when, from_mtime = self.submitted_at(sub)
            entry = self.roster.get(sub.student) if self.roster is not None else None
            apply_late(doc, assess(policy, when, entry.extension_hours if entry else 0.0), from_mtime)
        recompute_totals(doc)
        return {k: v for k, v in doc.items() if k != "graded_at"} != before


def missing_document(assignment: str, student: str, rubric: Rubric) -> dict[str, Any]:
    """The result document of a roster student who submitted nothing.

    Parameters
    ----------
    assignment, student : str
        Its ids.
    rubric : Rubric
        The assignment's rubric.

    Returns
    -------
    dict
        Status ``missing``, score 0 out of the rubric's function points, every
        item ``missing`` with 0 points and no checks, manual parts pending.
    """
    why = f"no submission was found for {student}"
    return {
        "schema_version": SCHEMA_VERSION, "student": student, "assignment": assignment,
        "score": 0.0, "max_score": rubric.max_score, "submission_sha256": "", "submission_path": "",
        "submission_kind": "none", "rubric_sha256": rubric.sha256,
        "graded_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "grader_version": grader.__version__, "errors": [why], "notes": [], "stdout": "",
        "items": [{"function": fn.name, "score": 0.0, "max_score": fn.points, "status": "missing",
                   "feedback": [f"No submission was found, so {fn.name} was not graded."],
                   "misconception": None, "source": None, "checks": []} for fn in rubric.functions],
        "manual": [manual_entry(m) for m in rubric.manual], "status": "missing", "on_roster": True,
    }


def _stored(path: Path) -> tuple[dict[str, Any] | None, Any]:
    """The valid document at ``path`` (or None) and the decoded JSON even when invalid (or None)."""
    try:
        doc = read_result(path)
    except OSError:
        return None, None
    except ResultError as exc:
        return None, exc.document
    return doc, doc


@dataclass
class RosterOutcome:
    """What :func:`settle_roster` did.

    Attributes
    ----------
    documents : list of dict
        The ``missing`` documents (written or kept), and graded ones kept without a submission.
    missing : list of str
        ``assignment/student`` of every ``missing`` document.
    not_on_roster : list of tuple
        (assignment, student) of every submission whose student is not on the roster.
    removed : list of str
        ``assignment/student`` of the ``missing`` documents deleted (student no longer on the roster).
    """

    documents: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    not_on_roster: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _missing_for(assignment: str, student: str, rubric: Rubric, out: Path, force: bool,
                 warn: Callable[[str], None], outcome: RosterOutcome) -> None:
    """Write (or keep) the ``missing`` document of one roster student without a submission."""
    path = result_path(out, assignment, student)
    doc, raw = _stored(path)
    if doc is not None and doc.get("status", "graded") != "missing":
        warn(f"{assignment}/{student}: no submission found now; the earlier graded result is kept")
        outcome.documents.append(doc)
        return
    outcome.missing.append(f"{assignment}/{student}")
    if not force and doc is not None and doc.get("rubric_sha256") == rubric.sha256 \
            and doc.get("grader_version") == grader.__version__:
        outcome.documents.append(doc)
        return
    new = missing_document(assignment, student, rubric)
    if isinstance(raw, Mapping):  # instructor scores for written parts survive
        apply_manual(new, rubric, manual_scores_of(raw))
    write_result(path, new)
    outcome.documents.append(new)


def _remove_stale(assignment: str, roster: Roster, out: Path, outcome: RosterOutcome) -> None:
    """Delete the ``missing`` documents (and pages) of students no longer on the roster."""
    for path in sorted((Path(out) / "results" / assignment).glob("*.json")):
        doc, _ = _stored(path)
        if doc is None or doc.get("status") != "missing" or doc["student"] in roster:
            continue
        path.unlink()
        (Path(out) / "reports" / assignment / f"{doc['student']}.html").unlink(missing_ok=True)
        outcome.removed.append(f"{assignment}/{doc['student']}")


def settle_roster(submissions: list[Submission], rubrics: dict[str, Rubric], out: Path, roster: Roster,
                  force: bool = False, warn: Callable[[str], None] = lambda message: None) -> RosterOutcome:
    """Give every roster student a document for every assignment of the run, and flag strangers.

    Parameters
    ----------
    submissions : list of Submission
        The run's submissions; their assignments are the ones settled.
    rubrics : dict
        Assignment -> rubric.
    out : Path
        Output folder.
    roster : Roster
        The enrolled students.
    force : bool, optional
        Rewrite up-to-date ``missing`` documents too.
    warn : callable, optional
        Told about graded results kept without a submission.

    Returns
    -------
    RosterOutcome

    Raises
    ------
    GraderError
        If a document cannot be written (a bug).
    OSError
        If the output folder is not writable.
    """
    outcome = RosterOutcome()
    submitted = {(s.assignment, s.student) for s in submissions}
    for assignment in sorted({s.assignment for s in submissions}):
        _remove_stale(assignment, roster, out, outcome)
        for student in roster.students:
            if (assignment, student) not in submitted:
                _missing_for(assignment, student, rubrics[assignment], out, force, warn, outcome)
    outcome.not_on_roster = sorted((a, s) for a, s in submitted if s not in roster)
    return outcome
