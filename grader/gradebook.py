"""Gradebook: load recorded result documents and tabulate them with pandas.

This is the export half of the render/export stage. Everything here is a pure
function of the result documents under ``OUT/results/<assignment>/<student>.json``
(schema version 1), so a gradebook can be re-made at any time without running
student code again.

Tables
------
long
    One row per (student, assignment): ``student``, ``assignment``, one column
    per graded function (its score), ``manual`` (if any document has manual
    items), ``score``, ``max_score``.
wide
    One row per student: ``student``, one column per assignment (its score),
    ``total``, ``max_total``.

Ordering
--------
Assignments and students are sorted "naturally": digit runs compare as numbers,
so ``hw2`` comes before ``hw10`` and ``s9`` before ``s10``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "SCHEMA_VERSION",
    "ITEM_STATUSES",
    "CHECK_OUTCOMES",
    "load_results",
    "validate_result",
    "gradebook_long",
    "gradebook_wide",
    "write_gradebook",
    "write_text_atomic",
    "natural_key",
]

SCHEMA_VERSION = 1
ITEM_STATUSES = ("passed", "partial", "failed", "error", "timeout", "missing")
CHECK_OUTCOMES = ("passed", "failed", "error", "timeout")

#: Digits kept when floats are written to CSV (drops 0.30000000000000004 noise).
CSV_DECIMALS = 6

_LONG_FIXED = ("student", "assignment", "manual", "score", "max_score")
_WIDE_FIXED = ("student", "total", "max_total")


# --------------------------------------------------------------------------- helpers


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that compares digit runs as numbers (``hw2`` < ``hw10``).

    Parameters
    ----------
    name : str
        An assignment or student id.

    Returns
    -------
    tuple
        Key whose even positions are lower-cased text and odd positions
        integers, followed by ``name`` itself so that the order is total.
    """
    parts = re.split(r"(\d+)", name)
    key = tuple(int(p) if i % 2 else p.lower() for i, p in enumerate(parts))
    return (key, name)


def _doc_key(doc: dict[str, Any]) -> tuple[Any, ...]:
    return (natural_key(doc["assignment"]), natural_key(doc["student"]))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def write_text_atomic(path: Path, text: str) -> None:
    r"""Write ``text`` to ``path`` so that readers see the old or the new file, never half.

    The text goes to a temporary file in the same folder, is flushed to disk,
    and then replaces ``path`` with :func:`os.replace`. If anything fails the
    temporary file is removed and ``path`` is left as it was.

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
    The file is created with mode ``0o644`` (reports are meant to be shared).
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


# --------------------------------------------------------------------------- loading


def validate_result(result: Any, source: str = "<result document>") -> None:
    """Check that a result document has the fields render and export rely on.

    Only the structure is checked (types, allowed statuses, schema version),
    not whether scores add up: the record stage owns that.

    Parameters
    ----------
    result : dict
        A decoded result document.
    source : str, optional
        Where the document came from (a file path), used in error messages.

    Raises
    ------
    ValueError
        If a field is missing or has the wrong type or value. The message
        names ``source``, the field, the value found and what is allowed.
    """

    def fail(what: str) -> None:
        raise ValueError(f"{source}: invalid result document: {what}")

    if not isinstance(result, dict):
        fail(f"expected a JSON object at the top level, got {type(result).__name__}")
    version = result.get("schema_version")
    if version != SCHEMA_VERSION:
        fail(
            f"schema_version is {version!r}, this grader reads version {SCHEMA_VERSION}; "
            "re-grade with this grader version or render with the version that wrote it"
        )
    for key in ("student", "assignment"):
        if not isinstance(result.get(key), str) or not result[key]:
            fail(f"{key!r} must be a non-empty string, got {result.get(key)!r}")
    for key in ("score", "max_score"):
        if not _is_number(result.get(key)):
            fail(f"{key!r} must be a number, got {result.get(key)!r}")
    for key in ("errors", "notes"):
        value = result.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(f"{key!r} must be a list of strings, got {value!r}")
    if not isinstance(result.get("stdout", ""), str):
        fail(f"'stdout' must be a string, got {type(result['stdout']).__name__}")

    items = result.get("items")
    if not isinstance(items, list):
        fail(f"'items' must be a list, got {items!r}")
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            fail(f"{where} must be an object, got {item!r}")
        name = item.get("function")
        if not isinstance(name, str) or not name:
            fail(f"{where}.function must be a non-empty string, got {name!r}")
        if name in seen:
            fail(f"function {name!r} appears twice in 'items'")
        seen.add(name)
        for key in ("score", "max_score"):
            if not _is_number(item.get(key)):
                fail(f"{where}.{key} ({name}) must be a number, got {item.get(key)!r}")
        if item.get("status") not in ITEM_STATUSES:
            fail(f"{where}.status ({name}) is {item.get('status')!r}; allowed: {ITEM_STATUSES}")
        checks = item.get("checks", [])
        if not isinstance(checks, list):
            fail(f"{where}.checks ({name}) must be a list, got {checks!r}")
        for j, check in enumerate(checks):
            if not isinstance(check, dict) or check.get("outcome") not in CHECK_OUTCOMES:
                got = check.get("outcome") if isinstance(check, dict) else check
                fail(f"{where}.checks[{j}] ({name}) outcome is {got!r}; allowed: {CHECK_OUTCOMES}")

    manual = result.get("manual", [])
    if not isinstance(manual, list):
        fail(f"'manual' must be a list, got {manual!r}")
    for i, entry in enumerate(manual):
        if not isinstance(entry, dict) or not _is_number(entry.get("max_score")):
            fail(f"manual[{i}] must be an object with a numeric max_score, got {entry!r}")
        score = entry.get("score")
        if score is not None and not _is_number(score):
            fail(f"manual[{i}].score must be a number or null (pending), got {score!r}")


def load_results(results_dir: Path) -> list[dict[str, Any]]:
    """Load every result document ``results_dir/<assignment>/<student>.json``.

    Parameters
    ----------
    results_dir : pathlib.Path
        The ``results`` folder of a grading output folder. Files whose name
        starts with ``.`` (temporary files of an interrupted write) are skipped.

    Returns
    -------
    list of dict
        The documents, sorted by (assignment, student) in natural order.

    Raises
    ------
    FileNotFoundError
        If ``results_dir`` is not a folder.
    ValueError
        If a file is not valid JSON, is not a valid result document, or sits
        in a folder or file name that does not match its ``assignment`` /
        ``student`` fields. The message names the file.
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise FileNotFoundError(
            f"results folder {str(results_dir)!r} does not exist or is not a folder; "
            "pass the 'results' folder inside the grading output folder"
        )
    docs = []
    for path in sorted(results_dir.glob("*/*.json")):
        if path.name.startswith(".") or path.parent.name.startswith("."):
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: result document is not UTF-8 text ({exc.reason})") from exc
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{path}: result document is not valid JSON: {exc.msg} at line {exc.lineno}, "
                f"column {exc.colno}; re-grade this submission or remove the file"
            ) from exc
        validate_result(doc, source=str(path))
        expected = (path.parent.name, path.stem)
        found = (doc["assignment"], doc["student"])
        if found != expected:
            raise ValueError(
                f"{path}: document is for assignment {found[0]!r}, student {found[1]!r}, but "
                f"its path says assignment {expected[0]!r}, student {expected[1]!r}; "
                "result documents must be stored as <assignment>/<student>.json"
            )
        docs.append(doc)
    docs.sort(key=_doc_key)
    return docs


# --------------------------------------------------------------------------- tables


def _sorted_unique(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    docs = sorted(results, key=_doc_key)
    for a, b in zip(docs, docs[1:], strict=False):
        if (a["assignment"], a["student"]) == (b["assignment"], b["student"]):
            raise ValueError(
                f"two result documents for assignment {a['assignment']!r}, student "
                f"{a['student']!r}; keep one document per (student, assignment)"
            )
    return docs


def _manual_sum(doc: dict[str, Any]) -> float:
    scored = [float(m["score"]) for m in doc.get("manual", []) if m.get("score") is not None]
    return math.fsum(scored) if scored else math.nan


def gradebook_long(results: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per (student, assignment) with the score of every graded function.

    Parameters
    ----------
    results : iterable of dict
        Result documents, e.g. from :func:`load_results`. Their order does not
        matter.

    Returns
    -------
    pandas.DataFrame
        Columns ``student``, ``assignment``, then one float column per function
        in order of first appearance (documents taken in (assignment, student)
        order), then ``manual`` (only if some document has manual items),
        ``score`` and ``max_score``. Rows are sorted by (assignment, student).

    Raises
    ------
    ValueError
        If two documents share (student, assignment), or a function is named
        like one of the fixed columns.

    Notes
    -----
    A function cell is NaN when the function does not belong to the row's
    assignment (no document of that assignment grades it). When it belongs to
    the assignment but this student's document has no item for it (e.g. the
    submission did not load), the cell is 0.0, so that cells add up to
    ``score`` and column means count every student.

    ``manual`` is the sum of the manual items that have been scored; it is NaN
    when none has (all pending, or the assignment has no manual items), so
    that pending work is not shown as 0.
    """
    docs = _sorted_unique(results)
    functions: list[str] = []
    belongs: dict[str, set[str]] = {}
    for doc in docs:
        for item in doc["items"]:
            name = item["function"]
            if name in _LONG_FIXED:
                raise ValueError(
                    f"function {name!r} of assignment {doc['assignment']!r} has the name of a "
                    f"fixed gradebook column {_LONG_FIXED}; rename it in the rubric"
                )
            belongs.setdefault(doc["assignment"], set()).add(name)
            if name not in functions:
                functions.append(name)
    has_manual = any(doc.get("manual") for doc in docs)

    rows = []
    for doc in docs:
        scores = {item["function"]: float(item["score"]) for item in doc["items"]}
        row: dict[str, Any] = {"student": doc["student"], "assignment": doc["assignment"]}
        for name in functions:
            if name in scores:
                row[name] = scores[name]
            elif name in belongs.get(doc["assignment"], ()):
                row[name] = 0.0
            else:
                row[name] = math.nan
        if has_manual:
            row["manual"] = _manual_sum(doc)
        row["score"] = float(doc["score"])
        row["max_score"] = float(doc["max_score"])
        rows.append(row)

    columns = ["student", "assignment", *functions]
    columns += ["manual"] if has_manual else []
    columns += ["score", "max_score"]
    frame = pd.DataFrame(rows, columns=columns)
    numeric = columns[2:]
    frame[numeric] = frame[numeric].astype("float64")
    return frame


def gradebook_wide(results: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per student with the score of every assignment and the course total.

    Parameters
    ----------
    results : iterable of dict
        Result documents, e.g. from :func:`load_results`. Their order does not
        matter.

    Returns
    -------
    pandas.DataFrame
        Columns ``student``, one float column per assignment (natural order),
        ``total`` and ``max_total``. Rows are sorted by student.

    Raises
    ------
    ValueError
        If two documents share (student, assignment), if the documents of one
        assignment disagree on ``max_score`` (graded with different rubrics),
        or if an assignment is named ``student``, ``total`` or ``max_total``.

    Notes
    -----
    An assignment for which a student has no document shows NaN in that
    student's row (nothing was recorded), but counts as 0 in ``total``, while
    ``max_total`` is the same for every student: the sum of ``max_score`` over
    every assignment present in the data. So a student who skipped an
    assignment is not ranked as if the course were shorter for them. An
    assignment that nobody has been graded on yet is not part of the data and
    so not part of ``max_total``.
    """
    docs = _sorted_unique(results)
    assignments: list[str] = []
    max_scores: dict[str, tuple[float, str]] = {}
    for doc in docs:
        name, max_score = doc["assignment"], float(doc["max_score"])
        if name in _WIDE_FIXED:
            raise ValueError(
                f"assignment {name!r} has the name of a fixed gradebook column {_WIDE_FIXED}; "
                "rename the assignment"
            )
        if name not in max_scores:
            assignments.append(name)
            max_scores[name] = (max_score, doc["student"])
        elif not math.isclose(max_scores[name][0], max_score, rel_tol=1e-9, abs_tol=1e-12):
            first, who = max_scores[name]
            raise ValueError(
                f"assignment {name!r} has max_score {first!r} for student {who!r} but "
                f"{max_score!r} for student {doc['student']!r}; re-grade the assignment with "
                "one rubric so that totals are comparable"
            )

    students = sorted({doc["student"] for doc in docs}, key=natural_key)
    scores = {(doc["student"], doc["assignment"]): float(doc["score"]) for doc in docs}
    max_total = math.fsum(max_scores[a][0] for a in assignments)
    rows = []
    for student in students:
        row: dict[str, Any] = {"student": student}
        for name in assignments:
            row[name] = scores.get((student, name), math.nan)
        row["total"] = math.fsum(scores.get((student, a), 0.0) for a in assignments)
        row["max_total"] = max_total
        rows.append(row)

    columns = ["student", *assignments, "total", "max_total"]
    frame = pd.DataFrame(rows, columns=columns)
    frame[columns[1:]] = frame[columns[1:]].astype("float64")
    return frame


def write_gradebook(results_dir: Path, out_csv: Path, wide: bool = False) -> pd.DataFrame:
    r"""Load the result documents and write the gradebook as CSV, atomically.

    Parameters
    ----------
    results_dir : pathlib.Path
        The ``results`` folder (see :func:`load_results`).
    out_csv : pathlib.Path
        Destination CSV file; missing parent folders are created.
    wide : bool, optional
        Write :func:`gradebook_wide` (one row per student) instead of
        :func:`gradebook_long` (one row per student and assignment).
        Default ``False``.

    Returns
    -------
    pandas.DataFrame
        The table as written: floats rounded to ``CSV_DECIMALS`` (6) decimals.

    Raises
    ------
    FileNotFoundError
        If ``results_dir`` is not a folder.
    ValueError
        If a result document is invalid (see :func:`load_results`) or the
        documents are inconsistent (see :func:`gradebook_wide`).
    OSError
        If the CSV cannot be written; an existing file is then left unchanged.

    Notes
    -----
    Missing values (NaN) are written as empty cells, without an index column,
    with ``"\\n"`` line endings.
    """
    results = load_results(results_dir)
    frame = gradebook_wide(results) if wide else gradebook_long(results)
    frame = frame.round(CSV_DECIMALS)
    write_text_atomic(Path(out_csv), frame.to_csv(index=False, lineterminator="\n"))
    return frame
