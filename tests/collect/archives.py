"""Small downloads built in the tests: zips in memory or on disk, and the same files as folders."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

ROSTER_CSV = """student,name,email,lms_id,sis_id
ada_lovelace,Ada Lovelace,ada@example.edu,4101,S1
alan_turing,Alan Turing,alan@example.edu,4102,S2
grace_hopper,Grace Hopper,grace@example.edu,4107,S7
"""


def zip_bytes(files: dict[str, bytes | str], links: dict[str, str] | None = None) -> bytes:
    """A zip with ``files`` (regular, mode 0644) and ``links`` (name -> target, Unix symlinks)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            z.writestr(info, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return buf.getvalue()


def write_zip(path: Path, files: dict[str, bytes | str], links: dict[str, str] | None = None) -> Path:
    path.write_bytes(zip_bytes(files, links))
    return path


def write_folder(root: Path, files: dict[str, bytes | str]) -> Path:
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def write_roster(path: Path, text: str = ROSTER_CSV) -> Path:
    path.write_text(text)
    return path


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative posix name -> bytes); links listed as b'<link>'."""
    out: dict[str, bytes] = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[p.relative_to(root).as_posix()] = b"<link>"
        elif p.is_file():
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out
