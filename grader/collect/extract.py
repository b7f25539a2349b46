r"""Safe reading of a bulk download: a zip archive or an unpacked folder, into memory.

Nothing is extracted to disk here; every entry is checked and read into an
:class:`~grader.collect.model.Entry`, and every refusal is a message in the
:class:`~grader.collect.model.Listing`, never an exception that stops the
class. Refused:

- names that could escape the target folder: a ``..`` component, an absolute
  path (``/x``, ``\x``), a drive letter (``C:``), a NUL character, an empty
  component (backslashes count as separators, as Windows zip tools write them);
- symbolic links (zip: the Unix mode in the upper 16 bits of the external
  attributes, PKWARE APPNOTE 4.4.15; folder: ``lstat``) and any other
  non-regular file (devices, FIFOs);
- nested archives, by suffix (``.zip .tar .gz .tgz .bz2 .xz .7z .rar ...``) or by
  their leading magic bytes;
- encrypted entries, and entries whose data is corrupt (bad CRC);
- an entry larger than the per-file limit (the declared size is checked
  before reading, and the bytes are counted while reading, since a zip's
  declared size can lie); the rest once the total limit is reached; entries
  beyond the count limit (zip bombs).
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from grader.collect.model import Entry, Listing
from grader.errors import UsageError
from grader.limits import Limits

__all__ = ["ExtractLimits", "read_source", "read_zip", "read_folder", "unsafe_name"]

_ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".tbz", ".xz", ".txz", ".7z", ".rar", ".jar",
                     ".whl", ".zst", ".lz", ".lzma", ".cab", ".war")
_MAGIC = ((b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"),
          (b"\xfd7zXZ\x00", "xz"), (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!\x1a\x07", "rar"),
          (b"\x28\xb5\x2f\xfd", "zstd"))
_JUNK = ("__MACOSX/",)
_JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class ExtractLimits:
    """Limits on what is read from one download.

    Attributes
    ----------
    max_file_bytes : int
        Largest single file (default: the sandbox's file-size limit,
        :attr:`grader.limits.Limits.file_mb`, 16 MiB).
    max_total_bytes : int
        Largest sum of all files read (default 512 MiB).
    max_entries : int
        Most entries looked at (default 20000); the rest are refused.
    """

    max_file_bytes: int = Limits.file_mb << 20
    max_total_bytes: int = 512 << 20
    max_entries: int = 20_000


def unsafe_name(name: str) -> str | None:
    r"""Why an archive entry name is unsafe to write under a folder, or None if it is safe.

    Parameters
    ----------
    name : str
        The name as stored in the archive (``/`` or ``\`` separated).

    Returns
    -------
    str or None
        A short reason (``"a '..' component"``, ``"an absolute path"``,
        ``"a drive letter"``, ...), or None.
    """
    if "\x00" in name:
        return "a NUL character in the name"
    if name.startswith(("/", "\\")):
        return "an absolute path"
    if _DRIVE.match(name):
        return "a drive letter"
    parts = name.replace("\\", "/").rstrip("/").split("/")
    if any(p == ".." for p in parts):
        return "a '..' component (it would escape the target folder)"
    if not name.strip() or any(p in ("", ".") for p in parts):
        return "an empty or '.' path component"
    return None


def _archive_kind(name: str, head: bytes) -> str | None:
    lower = name.lower()
    for suffix in _ARCHIVE_SUFFIXES:
        if lower.endswith(suffix):
            return f"a {suffix} file"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return f"{kind} data"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar data"
    return None


def _is_junk(name: str) -> bool:
    return name.startswith(_JUNK) or name.rsplit("/", 1)[-1] in _JUNK_NAMES


class _Budget:
    """Counts bytes and entries read so far against the limits."""

    def __init__(self, limits: ExtractLimits, listing: Listing) -> None:
        self.limits = limits
        self.listing = listing
        self.total = 0
        self.count = 0
        self.over_count = 0

    def next_entry(self) -> bool:
        self.count += 1
        if self.count > self.limits.max_entries:
            self.over_count += 1
            return False
        return True

    def finish(self) -> None:
        if self.over_count:
            self.listing.refused.append(
                f"{self.over_count} entr{'y' if self.over_count == 1 else 'ies'} beyond the limit of "
                f"{self.limits.max_entries} entries were not read (is this a zip bomb?)")

    def read(self, name: str, stream: IO[bytes]) -> bytes | None:
        """Read ``stream`` while counting; None (and a refusal) when a limit is passed."""
        cap = self.limits.max_file_bytes
        room = self.limits.max_total_bytes - self.total
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                self.listing.refused.append(f"{name}: refused, larger than the {_mib(cap)} file limit "
                                            "(counted while reading)")
                return None
            if size > room:
                self.listing.refused.append(f"{name}: refused, the {_mib(self.limits.max_total_bytes)} total "
                                            "limit for the whole download is reached")
                return None
            chunks.append(chunk)
        self.total += size
        return b"".join(chunks)


def _mib(n: int) -> str:
    return f"{n / (1 << 20):g} MiB"


def _check_info(info: zipfile.ZipInfo, limits: ExtractLimits) -> str | None:
    """Why a zip entry is refused before reading it, or None."""
    why = unsafe_name(info.filename)
    if why:
        return f"its name has {why}"
    mode = info.external_attr >> 16
    if mode and stat.S_ISLNK(mode):
        return "it is a symbolic link"
    if mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        return "it is not a regular file"
    if info.flag_bits & 0x1:
        return "it is encrypted"
    if info.file_size > limits.max_file_bytes:
        return f"its declared size ({_mib(info.file_size)}) is over the {_mib(limits.max_file_bytes)} file limit"
    return None


def _take(listing: Listing, seen: set[str], budget: _Budget, name: str,
          open_stream: Callable[[], IO[bytes]], errors: tuple[type[BaseException], ...]) -> None:
    """Read one entry within the budget into ``listing``, or record why it cannot be read."""
    try:
        with open_stream() as stream:
            data = budget.read(name, stream)
    except errors as exc:
        reason = getattr(exc, "strerror", None) or exc
        listing.refused.append(f"{name}: refused, it cannot be read ({reason})")
        return
    if data is not None:
        _add(listing, seen, name, data)


def _add(listing: Listing, seen: set[str], name: str, data: bytes) -> None:
    why = _archive_kind(name, data[:300])
    if why:
        listing.refused.append(f"{name}: refused, it is a nested archive ({why}); "
                               "ask for the files themselves")
    elif name in seen:
        listing.refused.append(f"{name}: refused, the name appears twice in the download")
    else:
        seen.add(name)
        listing.entries.append(Entry(name, data))


def read_zip(path: Path, limits: ExtractLimits | None = None) -> Listing:
    """Read and check every entry of a zip archive.

    Parameters
    ----------
    path : Path
        The zip file.
    limits : ExtractLimits, optional
        Defaults to :class:`ExtractLimits`'s defaults.

    Returns
    -------
    Listing
        Accepted entries and one message per refused entry.

    Raises
    ------
    UsageError
        If ``path`` is not a readable zip archive at all.
    """
    limits = limits or ExtractLimits()
    listing = Listing(str(path), "zip")
    budget = _Budget(limits, listing)
    seen: set[str] = set()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UsageError(f"{str(path)!r} is not a readable zip archive: {exc}") from None
    with archive:
        for info in archive.infolist():
            if not budget.next_entry():
                continue
            if info.is_dir() or _is_junk(info.filename):
                listing.skipped.append(info.filename)
                continue
            why = _check_info(info, limits)
            if why:
                listing.refused.append(f"{info.filename}: refused, {why}")
                continue
            name = info.filename.replace("\\", "/")
            _take(listing, seen, budget, name, partial(archive.open, info),
                  (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError))
    budget.finish()
    return listing


def _folder_refusal(path: Path, limits: ExtractLimits) -> str | None:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if info.st_size > limits.max_file_bytes:
        return f"its size ({_mib(info.st_size)}) is over the {_mib(limits.max_file_bytes)} file limit"
    return None


def read_folder(root: Path, limits: ExtractLimits | None = None) -> Listing:
    """Read and check every file under an unpacked download, without following links.

    Parameters
    ----------
    root : Path
        The folder.
    limits : ExtractLimits, optional
        Defaults to :class:`ExtractLimits`'s defaults.

    Returns
    -------
    Listing
        Accepted files (names relative to ``root``) and one message per refused one.

    Raises
    ------
    UsageError
        If ``root`` is not a folder.
    """
    limits = limits or ExtractLimits()
    if not root.is_dir():
        raise UsageError(f"{str(root)!r} is not a folder")
    listing = Listing(str(root), "folder")
    budget = _Budget(limits, listing)
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for d in sorted(dirnames):
            if (here / d).is_symlink():
                listing.refused.append(f"{(here / d).relative_to(root).as_posix()}/: refused, it is a "
                                       "symbolic link to a folder")
        dirnames[:] = sorted(d for d in dirnames if not (here / d).is_symlink())
        for f in sorted(filenames):
            path = here / f
            name = path.relative_to(root).as_posix()
            if not budget.next_entry():
                continue
            if _is_junk(name):
                listing.skipped.append(name)
                continue
            why = _folder_refusal(path, limits)
            if why:
                listing.refused.append(f"{name}: refused, {why}")
                continue
            _take(listing, seen, budget, name, partial(io.FileIO, path), (OSError,))
    budget.finish()
    return listing


def read_source(source: Path, limits: ExtractLimits | None = None) -> Listing:
    """Read a download given as a zip archive or as a folder.

    Parameters
    ----------
    source : Path
        A ``.zip`` file (any name: detected by content) or a folder.
    limits : ExtractLimits, optional
        Per-file, total and entry-count limits.

    Returns
    -------
    Listing

    Raises
    ------
    UsageError
        If ``source`` is missing, or neither a folder nor a zip archive.
    """
    source = Path(source)
    if source.is_dir():
        return read_folder(source, limits)
    if not source.exists():
        raise UsageError(f"{str(source)!r} does not exist")
    if not source.is_file() or not zipfile.is_zipfile(source):
        raise UsageError(f"{str(source)!r} is neither a zip archive nor a folder")
    return read_zip(source, limits)
