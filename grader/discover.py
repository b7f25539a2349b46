"""Discover stage: find submissions under a folder and fingerprint them.

Accepted layouts (``ROOT`` is the folder given to ``grade run``)::

    ROOT/<assignment>/<student>.py
    ROOT/<assignment>/<student>.ipynb
    ROOT/<assignment>/<student>/      a folder holding one .py or .ipynb
    ROOT/<student>.py ...             when ROOT itself is one assignment

The student id is the file or folder name without its extension. Hidden
entries, ``__pycache__``, ``.ipynb_checkpoints`` and non-code files are not
submissions; documentation and data (``README.md``, ``ROSTER.md``, the sample
classes' ``expected.yaml``, ``.txt``, ``.csv``, ``.json``) are ignored
silently, any other file is listed as skipped. In particular ``index.csv``,
the LMS metadata ``grade collect`` writes into an assignment folder (the
submission times, read by :mod:`grader.roster_runs`), is not a submission
and not a skipped file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.errors import UsageError

__all__ = ["Submission", "discover", "sha256_file"]

_CODE_SUFFIXES = (".py", ".ipynb")
_IGNORED = {"__pycache__", ".ipynb_checkpoints"}
_QUIET_SUFFIXES = {".md", ".txt", ".csv", ".json", ".yaml", ".yml"}  # not reported as skipped


@dataclass(frozen=True)
class Submission:
    """One student's work for one assignment.

    Attributes
    ----------
    assignment : str
        Assignment name (a rubric in ``rubrics/``).
    student : str
        Student id: file or folder name without extension.
    path : Path
        The file or folder as found.
    source : Path or None
        The module or notebook to load (``None`` when ``error`` is set).
    kind : {"module", "notebook", "package"}
        A ``.py`` file, an ``.ipynb`` file, or a folder holding one of those.
    sha256 : str
        Hex SHA-256 of the source file's bytes ("" when unreadable).
    rel_path : str
        ``path`` relative to the folder given to ``grade run``.
    error : str or None
        Why this submission cannot be graded (reported to the student).
    """

    assignment: str
    student: str
    path: Path
    source: Path | None
    kind: Literal["module", "notebook", "package"]
    sha256: str
    rel_path: str
    error: str | None = None


@dataclass
class Discovery:
    """Everything found under a folder: submissions plus skipped entries."""

    submissions: list[Submission] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes.

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _visible(p: Path) -> bool:
    return not p.name.startswith(".") and p.name not in _IGNORED


def _escapes(path: Path, folder: Path) -> bool:
    """Whether ``path`` is a symbolic link (at any level below ``folder``) leading outside it."""
    try:
        return not path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a broken or looping link
        return True


def _student_entry(assignment: str, entry: Path, root: Path) -> Submission | None:
    rel = str(entry.relative_to(root)) if entry.is_relative_to(root) else str(entry)
    if entry.is_symlink() or (entry.is_dir() and any(p.is_symlink() for p in entry.iterdir())):
        kind: Literal["module", "notebook", "package"] = (
            "package" if entry.is_dir() else "notebook" if entry.suffix == ".ipynb" else "module")
        targets = [entry] if not entry.is_dir() else [p for p in entry.iterdir() if p.is_symlink()]
        if any(_escapes(t, entry.parent) for t in targets):
            student = entry.stem if not entry.is_dir() else entry.name
            if entry.is_dir() or entry.suffix in _CODE_SUFFIXES:
                return Submission(assignment, student, entry, None, kind, "", rel,
                                  "the submission is a symbolic link pointing outside the submission "
                                  "folder; submit the file itself")
            return None
    if entry.is_file():
        if entry.suffix not in _CODE_SUFFIXES:
            return None
        file_kind: Literal["module", "notebook", "package"] = (
            "module" if entry.suffix == ".py" else "notebook")
        return Submission(assignment, entry.stem, entry, entry, file_kind, sha256_file(entry), rel)
    if entry.is_dir():
        candidates = sorted(p for p in entry.iterdir()
                            if _visible(p) and p.is_file() and p.suffix in _CODE_SUFFIXES)
        if len(candidates) == 1:
            src = candidates[0]
            return Submission(assignment, entry.name, entry, src, "package", sha256_file(src), rel)
        if not candidates:
            error = f"the folder {entry.name}/ holds no .py or .ipynb file"
        else:
            names = ", ".join(p.name for p in candidates)
            error = f"the folder {entry.name}/ holds {len(candidates)} code files ({names}); submit exactly one"
        return Submission(assignment, entry.name, entry, None, "package", "", rel, error)
    return None


def _scan_assignment(assignment: str, folder: Path, root: Path, found: Discovery) -> None:
    by_student: dict[str, list[Submission]] = {}
    for entry in sorted(folder.iterdir()):
        if not _visible(entry):
            continue
        sub = _student_entry(assignment, entry, root)
        if sub is None:
            if entry.is_file() and entry.suffix not in _QUIET_SUFFIXES:
                found.skipped.append(str(entry))
            continue
        by_student.setdefault(sub.student, []).append(sub)
    for student, subs in by_student.items():
        if len(subs) == 1:
            found.submissions.append(subs[0])
            continue
        names = ", ".join(s.path.name for s in subs)
        error = (f"more than one submission for student id {student!r} ({names}); "
                 "remove all but one and grade again")
        first = subs[0]
        found.submissions.append(Submission(assignment, student, first.path, None, first.kind,
                                            "", first.rel_path, error))


def discover(root: Path, assignments: Collection[str], assignment: str | None = None) -> Discovery:
    """Find every submission under ``root``.

    Parameters
    ----------
    root : Path
        A folder of assignment folders, or one assignment folder.
    assignments : collection of str
        Known assignment names (the rubrics available).
    assignment : str, optional
        Force every submission found directly in ``root`` to this assignment.

    Returns
    -------
    Discovery
        Submissions sorted by (assignment, student).

    Raises
    ------
    UsageError
        If ``root`` is not a folder, the assignment cannot be inferred, or
        nothing is found.
    """
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"{str(root)!r} is not a folder of submissions")
    found = Discovery()
    if assignment is not None:
        if assignment not in assignments:
            raise UsageError(f"unknown assignment {assignment!r}; known: {', '.join(sorted(assignments))}")
        sub_folder = root / assignment
        _scan_assignment(assignment, sub_folder if sub_folder.is_dir() else root, root, found)
    elif root.name in assignments:
        _scan_assignment(root.name, root, root.parent, found)
    else:
        folders = [p for p in sorted(root.iterdir()) if p.is_dir() and _visible(p)]
        known = [p for p in folders if p.name in assignments]
        for p in known:
            _scan_assignment(p.name, p, root, found)
        for p in folders:
            if p.name not in assignments:
                found.skipped.append(f"{p} (not an assignment: known are {', '.join(sorted(assignments))})")
        if not known:
            raise UsageError(
                f"no assignment folder in {str(root)!r}: expected sub-folders named after an "
                f"assignment ({', '.join(sorted(assignments))}), or pass --assignment")
    if not found.submissions:
        raise UsageError(f"no submissions (.py, .ipynb or student folders) found in {str(root)!r}")
    found.submissions.sort(key=lambda s: (s.assignment, s.student))
    return found
