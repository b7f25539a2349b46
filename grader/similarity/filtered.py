"""copydetect's filtered code of a submission, kept on disk by content so that a re-run does not lex it again.

copydetect fingerprints the *filtered* code of a file: its Pygments tokens
with names, strings and comments replaced (``copydetect.utils.filter_code``),
plus the offsets that map filtered positions back to the text. Lexing is
nearly all of a fingerprint's cost (67 ms for a 5.6 kB hw2 file, against 1 ms
for the k-gram hashes), and the code of most students does not change
between two runs of a class (a late submission, a rubric fix), so the filtered
code is stored once per distinct code, under ``OUT/.grader-cache/similarity/<assignment>/``,
named by a SHA-256 of copydetect's version, the language and the code. An
entry that cannot be read back exactly (missing, truncated, edited) is lexed
again; entries for code no longer in the class are deleted by :func:`prune`.
The cache is the grader's own (student code never runs in this process and
never sees the output folder).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from grader.results import write_text_atomic

__all__ = ["CACHE_FOLDER", "cache_folder", "filtered_code", "prune"]

#: Where, under a run's output folder, the filtered code is kept.
CACHE_FOLDER = Path(".grader-cache") / "similarity"

_LANGUAGE = "python"


def cache_folder(out: Path, assignment: str) -> Path:
    """The similarity cache of ``assignment`` in the output folder ``out`` (not created here)."""
    return Path(out) / CACHE_FOLDER / assignment


@functools.cache
def _copydetect_version() -> str:
    return importlib.metadata.version("copydetect")  # read from the installed metadata: once per process


def _key(code: str) -> str:
    version = _copydetect_version()
    return hashlib.sha256(f"copydetect {version}\0{_LANGUAGE}\0{code}".encode("utf-8", "surrogatepass")).hexdigest()


def _read(path: Path) -> tuple[str, np.ndarray] | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        filtered, flat = entry["filtered"], entry["offsets"]
        if not isinstance(filtered, str) or not isinstance(flat, list) or len(flat) % 2:
            return None
        offsets = np.array(flat, dtype=np.int64).reshape(-1, 2)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return filtered, offsets


def filtered_code(code: str, cache: Path | None) -> tuple[str, np.ndarray]:
    """``copydetect.utils.filter_code(code, ..., "python")``, read from ``cache`` when it holds this code.

    Parameters
    ----------
    code : str
        A submission's code (:func:`grader.similarity.extract.extract_codes`).
    cache : Path or None
        The cache folder (:func:`cache_folder`), created when first written;
        ``None`` lexes every time.

    Returns
    -------
    (str, ndarray)
        The filtered code and its offsets, an int64 array of shape (n, 2),
        equal to what copydetect returns.

    Notes
    -----
    A cache that cannot be written (a read-only output folder) only costs
    the lexing next time: nothing is raised for it.
    """
    path = cache / f"{_key(code)}.json" if cache is not None else None
    if path is not None:
        found = _read(path)
        if found is not None:
            return found
    from copydetect.utils import filter_code  # untyped; imported with copydetect (matplotlib)

    filtered, offsets = filter_code(code, "submission.py", _LANGUAGE)
    offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    if path is not None:
        try:
            write_text_atomic(path, json.dumps({"filtered": filtered, "offsets": offsets.reshape(-1).tolist()}))
        except OSError:
            pass
    return filtered, offsets


def prune(cache: Path, codes: Iterable[str]) -> int:
    """Delete the entries of ``cache`` for code not in ``codes``; the number deleted.

    Run after a whole assignment was compared, so the cache holds at most one
    entry per submission of the class. Other files in the folder are left.

    Parameters
    ----------
    cache : Path
        The cache folder (:func:`cache_folder`); a missing one deletes nothing.
    codes : iterable of str
        The code of every submission of the class.

    Returns
    -------
    int
        Entries deleted. Nothing is raised: an entry that cannot be deleted stays.
    """
    keep = {f"{_key(code)}.json" for code in codes}
    removed = 0
    try:
        entries = list(Path(cache).glob("*.json"))
    except OSError:
        return 0
    for entry in entries:
        if entry.name not in keep and len(entry.stem) == 64:
            try:
                entry.unlink()
                removed += 1
            except OSError:
                pass
    return removed
