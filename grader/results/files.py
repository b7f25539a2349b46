"""Files of the record stage: the one atomic write, and the one read of result documents.

Every file the grader writes (result documents, reports, the gradebook, the
manifest) goes through :func:`write_text_atomic`. Result documents are
validated when written (:func:`write_result`) and when read
(:func:`read_result`, :func:`load_results`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.errors import GraderError, UsageError
from grader.results.order import document_key
from grader.results.validate import ResultError, validate_result

__all__ = ["ResultsFolderMissing", "write_text_atomic", "write_result", "read_result", "load_results"]


class ResultsFolderMissing(UsageError, FileNotFoundError):
    """The results folder to read does not exist (exit status 2 in the command line)."""


def write_text_atomic(path: Path, text: str) -> None:
    r"""Write ``text`` to ``path`` so that readers see the old or the new file, never half.

    The text goes to a temporary file ``.<name>.<random>.tmp`` in the same
    folder, is flushed to disk, and then replaces ``path`` with
    :func:`os.replace`. If anything fails the temporary file is removed and
    ``path`` is left as it was.

    Parameters
    ----------
    path : pathlib.Path
        Destination file. Missing parent folders are created.
    text : str
        Content, written as UTF-8 with ``"\\n"`` line endings on every platform.

    Raises
    ------
    OSError
        If the folder cannot be created or the file cannot be written.

    Notes
    -----
    The file is created with mode ``0o644`` (results and reports are meant to be shared).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_result(path: Path, doc: Mapping[str, Any]) -> None:
    """Validate a result document and write it as JSON, atomically (:func:`write_text_atomic`).

    Parameters
    ----------
    path : pathlib.Path
        Destination, normally :func:`grader.record.result_path`.
    doc : dict
        The document; written as given (key order kept, one-space indent, NaN as ``NaN``).

    Raises
    ------
    GraderError
        If ``doc`` is not a valid result document: a bug of the writer, so
        nothing is written.
    OSError
        If the file cannot be written; an existing file is then left unchanged.
    """
    try:
        validate_result(doc, source=str(path))
    except ResultError as exc:
        raise GraderError(f"the grader produced an invalid result document (a bug): {exc}") from None
    write_text_atomic(path, json.dumps(doc, indent=1) + "\n")


def read_result(path: Path) -> dict[str, Any]:
    """Read and validate the result document stored at ``path``.

    Parameters
    ----------
    path : pathlib.Path
        A file ``<assignment>/<student>.json``.

    Returns
    -------
    dict
        The document as stored.

    Raises
    ------
    OSError
        If the file cannot be read (:class:`FileNotFoundError` if it does not exist).
    ResultError
        If it is not UTF-8 JSON, is not a valid result document (see
        :func:`validate_result`), or its ``assignment`` / ``student`` do not
        match the folder and file name. The message names the file.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ResultError(f"{path}: result document is not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ResultError(f"{path}: result document is not valid JSON: {exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno}; re-grade this submission or remove the file") from None
    typed = validate_result(doc, source=str(path))
    expected, found = (path.parent.name, path.stem), (typed.assignment, typed.student)
    if found != expected:
        raise ResultError(
            f"{path}: document is for assignment {found[0]!r}, student {found[1]!r}, but its path "
            f"says assignment {expected[0]!r}, student {expected[1]!r}; result documents must be "
            "stored as <assignment>/<student>.json")
    return dict(doc)


def load_results(results_dir: Path) -> list[dict[str, Any]]:
    """Read every result document ``results_dir/<assignment>/<student>.json``.

    Parameters
    ----------
    results_dir : pathlib.Path
        The ``results`` folder of a grading output folder. Files and folders
        whose name starts with ``.`` (temporary files of an interrupted write)
        are skipped.

    Returns
    -------
    list of dict
        The documents as stored, sorted by :func:`document_key`.

    Raises
    ------
    ResultsFolderMissing
        If ``results_dir`` is not a folder (a :class:`FileNotFoundError`).
    ResultError
        If a file is not a valid result document (see :func:`read_result`).
    OSError
        If a file cannot be read.
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise ResultsFolderMissing(
            f"results folder {str(results_dir)!r} does not exist or is not a folder; "
            "pass the 'results' folder inside the grading output folder")
    docs = [read_result(path) for path in sorted(results_dir.glob("*/*.json"))
            if not (path.name.startswith(".") or path.parent.name.startswith("."))]
    docs.sort(key=document_key)
    return docs
