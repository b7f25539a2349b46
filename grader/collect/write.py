"""Write collected submissions under ``INTO/<assignment>/`` and keep ``index.csv``.

- One ``.py`` or ``.ipynb`` file becomes ``<student>.py`` / ``<student>.ipynb``;
  anything else (several files, one file of another kind) becomes
  ``<student>/<its files>``: the layouts :mod:`grader.discover` reads.
- Several submissions of one student: the latest wins (``submitted_at``, then
  ``attempt``, then download order); the others are listed as superseded.
  Two different people whose derived ids collide get their platform id
  appended instead of replacing each other.
- Every destination is computed with ``Path.resolve()`` and must lie inside
  ``INTO/<assignment>/``; files are written to a temporary name in the same
  folder and renamed into place (a folder submission is built aside and
  renamed as a whole).
- An existing, different submission of the same student is never replaced
  without ``force``; an identical one is left as it is ("unchanged").
- ``index.csv`` has exactly the columns :data:`INDEX_COLUMNS`, one row per
  written file; rows of students not collected this time are kept.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from grader.collect.identity import derive_id
from grader.collect.model import CODE_SUFFIXES, Collected
from grader.errors import UsageError

__all__ = ["INDEX_COLUMNS", "WriteReport", "choose_latest", "layout", "write_submissions"]

#: The columns of ``index.csv``, in order.
INDEX_COLUMNS = ("student", "original_name", "submitted_at", "late", "source_id", "path")
_ASSIGNMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


@dataclass
class WriteReport:
    """What :func:`write_submissions` did.

    Attributes
    ----------
    written, unchanged : list of str
        Students whose files were written, or were already there identical.
    refused : list of str
        One message per student not written (a different submission exists,
        a destination outside the folder).
    index : Path
        The ``index.csv`` written.
    """

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    index: Path = Path()


def _separate_people(subs: list[Collected], messages: list[str]) -> None:
    """Give colliding derived ids of different people distinct ids (``<id>_<platform id>``)."""
    by_student: dict[str, set[str]] = {}
    for s in subs:
        if not s.on_roster:
            by_student.setdefault(s.student, set()).add(s.person)
    for s in subs:
        if not s.on_roster and len(by_student.get(s.student, ())) > 1:
            new = f"{s.student}_{derive_id(s.person.split(':', 1)[-1], 'x')}"
            messages.append(f"two different people would be {s.student!r}; {s.person} is collected as {new!r}")
            s.student = new


def choose_latest(subs: list[Collected]) -> tuple[list[Collected], list[str]]:
    """The latest submission of each student, and messages naming the superseded ones.

    Parameters
    ----------
    subs : list of Collected
        As the parsers return them (modified in place when ids collide).

    Returns
    -------
    (list of Collected, list of str)
        One submission per student, sorted by student.
    """
    messages: list[str] = []
    _separate_people(subs, messages)
    best: dict[str, tuple[tuple[bool, datetime, int, int], Collected]] = {}
    for order, s in enumerate(subs):
        rank = (s.submitted_at is not None, s.submitted_at or _EARLIEST, s.attempt, order)
        old = best.get(s.student)
        loser = None
        if old is None or rank > old[0]:
            loser = old[1] if old else None
            best[s.student] = (rank, s)
        else:
            loser = s
        if loser is not None:
            winner = best[s.student][1]
            messages.append(f"{s.student}: {loser.original_name} is superseded by the later "
                            f"{winner.original_name}")
    return [best[k][1] for k in sorted(best)], messages


def _paths(sub: Collected) -> dict[str, str]:
    """Destination (relative to the assignment folder) to the key of ``sub.files`` written there."""
    if len(sub.files) == 1:
        rel = next(iter(sub.files))
        suffix = Path(rel).suffix.lower()
        if "/" not in rel and suffix in CODE_SUFFIXES:
            return {f"{sub.student}{suffix}": rel}
    return {f"{sub.student}/{rel}": rel for rel in sub.files}


def layout(sub: Collected) -> dict[str, bytes]:
    """Paths relative to the assignment folder for a submission's files.

    Parameters
    ----------
    sub : Collected

    Returns
    -------
    dict of str to bytes
        ``{"ada.py": ...}`` for one code file, ``{"emmy/a.py": ..., "emmy/b.py": ...}`` otherwise.
    """
    return {path: sub.files[rel] for path, rel in _paths(sub).items()}


def _existing(base: Path, student: str) -> dict[str, bytes]:
    """The student's current files under ``base`` in any layout (links are not followed)."""
    found: dict[str, bytes] = {}
    for suffix in CODE_SUFFIXES:
        p = base / f"{student}{suffix}"
        if p.is_file() and not p.is_symlink():
            found[p.name] = p.read_bytes()
        elif p.is_symlink():
            found[p.name] = b"\0symlink"
    folder = base / student
    if folder.is_symlink():
        found[f"{student}/"] = b"\0symlink"
    elif folder.is_dir():
        for p in sorted(folder.rglob("*")):
            if p.is_file() or p.is_symlink():
                found[p.relative_to(base).as_posix()] = b"\0symlink" if p.is_symlink() else p.read_bytes()
    return found


def _inside(path: Path, base: Path) -> bool:
    return path.resolve().is_relative_to(base.resolve())


def _remove_student(base: Path, student: str, keep: str) -> None:
    """Remove the student's other layouts (never ``keep``, the one just written); links are unlinked."""
    for name in [f"{student}{suffix}" for suffix in CODE_SUFFIXES] + [student]:
        p = base / name
        if name == keep or not (p.is_symlink() or p.exists()):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def _atomic_write(dest: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_one(base: Path, student: str, files: dict[str, bytes]) -> None:
    """Write one student's files: a file atomically, a folder built aside and renamed into place."""
    first = next(iter(files))
    if "/" not in first:
        _atomic_write(base / first, files[first])
        _remove_student(base, student, keep=first)
        return
    staging = Path(tempfile.mkdtemp(dir=base, prefix=f".{student}.", suffix=".tmp"))
    try:
        for rel, data in files.items():
            dest = staging / rel.split("/", 1)[1]
            if not _inside(dest, staging):
                raise UsageError(f"{rel}: would be written outside {base}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        _remove_student(base, student, keep=student)
        target = base / student
        if target.is_dir() and not target.is_symlink():
            aside = Path(tempfile.mkdtemp(dir=base, prefix=f".{student}.", suffix=".old"))
            os.replace(target, aside / student)
            os.replace(staging, target)
            shutil.rmtree(aside)
        else:
            if target.is_symlink():
                target.unlink()
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _assignment_folder(into: Path, assignment: str) -> Path:
    if not _ASSIGNMENT.match(assignment) or ".." in assignment:
        raise UsageError(f"--assignment {assignment!r} must be a plain folder name (letters, digits, '_', '-', '.')")
    into.mkdir(parents=True, exist_ok=True)
    base = into / assignment
    if base.is_symlink() or (base.exists() and not base.is_dir()):
        raise UsageError(f"{base} exists and is not a folder (or is a symbolic link); refusing to write there")
    base.mkdir(exist_ok=True)
    if not _inside(base, into):
        raise UsageError(f"{base} resolves outside {into}; refusing to write there")
    return base


def _row(sub: Collected, path: str, rel: str) -> dict[str, str]:
    late = "" if sub.late is None else ("true" if sub.late else "false")
    when = sub.submitted_at.isoformat() if sub.submitted_at is not None else ""
    return {"student": sub.student, "original_name": sub.originals.get(rel, sub.original_name),
            "submitted_at": when, "late": late, "source_id": sub.source_id, "path": path}


def _write_index(base: Path, rows: list[dict[str, str]], replaced: set[str]) -> Path:
    index = base / "index.csv"
    kept: list[dict[str, str]] = []
    if index.is_file() and not index.is_symlink():
        with open(index, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) == INDEX_COLUMNS:
                kept = [r for r in reader if r.get("student") not in replaced]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=INDEX_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(kept + rows, key=lambda r: (r["student"], r["path"])))
    _atomic_write(index, out.getvalue().encode("utf-8"))
    return index


def write_submissions(subs: list[Collected], into: Path, assignment: str, force: bool = False) -> WriteReport:
    """Write one submission per student (see :func:`choose_latest`) and ``index.csv``.

    Parameters
    ----------
    subs : list of Collected
        One per student.
    into : Path
        The submissions folder (created if missing).
    assignment : str
        Sub-folder name; must be a plain name.
    force : bool
        Replace a different existing submission of the same student.

    Returns
    -------
    WriteReport

    Raises
    ------
    UsageError
        If ``assignment`` is not a plain name, or ``INTO/<assignment>`` is
        not a folder inside ``INTO`` (e.g. a symbolic link elsewhere).
    """
    base = _assignment_folder(Path(into), assignment)
    report = WriteReport()
    rows: list[dict[str, str]] = []
    for sub in subs:
        files = layout(sub)
        if not files:
            report.refused.append(f"{sub.student}: no files in {sub.original_name}; nothing written")
            continue
        if not all(_inside(base / rel, base) for rel in files):
            report.refused.append(f"{sub.student}: a file would land outside {base}; not written")
            continue
        old = _existing(base, sub.student)
        if old == files:
            report.unchanged.append(sub.student)
        elif old and not force:
            report.refused.append(f"{sub.student}: a different submission is already in {base} "
                                  f"({', '.join(sorted(old))}); not replaced (pass --force to replace it)")
            continue
        else:
            try:
                _write_one(base, sub.student, files)
            except OSError as exc:
                report.refused.append(f"{sub.student}: could not be written ({exc.strerror or exc}); "
                                      "nothing of it was kept")
                continue
            report.written.append(sub.student)
        rows += [_row(sub, path, rel) for path, rel in _paths(sub).items()]
    report.index = _write_index(base, rows, set(report.written) | set(report.unchanged))
    return report
