"""Build ``submissions/canvas-hw2.zip``: the bundled hw2 class as a Canvas "Download Submissions" zip.

Usage::

    python scripts/make_lms_download.py [--out submissions/canvas-hw2.zip]

Each student of ``submissions/roster.csv`` with work in ``submissions/hw2/``
becomes Canvas-named files (rules in ``docs/lms-formats.md``)::

    <sortablename>_[late_]<user id>_<attachment id>_<display name>

with ``sortablename`` = "Last, First" without non-word characters, lowercase
(``lovelaceada``) and ``user id`` = the roster's ``lms_id``. The uploaded
file is named ``homework2.py`` / ``homework2.ipynb``; a folder submission
(``emmy_noether/``) contributes each of its files. ``grace_hopper``'s
submission is marked late; ``alan_turing`` resubmitted: an earlier draft
``homework2.py`` and the current ``homework2-1.py`` (a higher attachment id),
the name Canvas gives a second upload of the same file name.
``mary_somerville`` has no submission. The zip is deterministic (fixed
timestamps and order), so re-running the script gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HW2 = ROOT / "submissions" / "hw2"
ROSTER = ROOT / "submissions" / "roster.csv"
OUT = ROOT / "submissions" / "canvas-hw2.zip"
LATE = {"grace_hopper"}
RESUBMITTED = {"alan_turing"}
DRAFT = b"# First draft of homework 2, replaced by a resubmission.\n"
_STAMP = (2026, 1, 15, 9, 30, 0)


def sortable_name(name: str) -> str:
    """Canvas's file-name form of a student's sortable name: "Ada Lovelace" -> "lovelaceada"."""
    first, _, last = name.rpartition(" ")
    sortable = f"{last}, {first}" if first else last
    return re.sub(r"[^\w]", "", sortable).lower()


def _files(student: str) -> list[tuple[str, bytes]]:
    """``(display name, bytes)`` of a student's submission, [] if none."""
    folder = HW2 / student
    if folder.is_dir():
        return [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in sorted(folder.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts]
    for suffix in (".py", ".ipynb"):
        if (HW2 / f"{student}{suffix}").is_file():
            return [(f"homework2{suffix}", (HW2 / f"{student}{suffix}").read_bytes())]
    return []


def entries() -> list[tuple[str, bytes]]:
    """Every file of the download, in the order written."""
    out: list[tuple[str, bytes]] = []
    with open(ROSTER, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row_number, row in enumerate(rows):
        files = _files(row["student"])
        if not files:
            continue
        prefix = sortable_name(row["name"]) + ("_late" if row["student"] in LATE else "")
        attachment = 70000 + 10 * row_number
        if row["student"] in RESUBMITTED:
            out.append((f"{prefix}_{row['lms_id']}_{attachment}_homework2.py", DRAFT))
            name, data = files[0]
            stem, dot, suffix = name.rpartition(".")
            files = [(f"{stem}-1{dot}{suffix}", data)]
            attachment += 5
        for k, (name, data) in enumerate(files):
            out.append((f"{prefix}_{row['lms_id']}_{attachment + k}_{name}", data))
    return out


def write_zip(out: Path) -> int:
    """Write the zip; returns the number of files."""
    files = entries()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return len(files)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"zip to write (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args()
    count = write_zip(args.out)
    print(f"wrote {args.out} ({count} files)")


if __name__ == "__main__":
    main()
