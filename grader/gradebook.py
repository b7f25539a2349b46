"""Gradebook: tabulate recorded result documents with pandas, and write them as CSV.

This is the export half of the render/export stage. Everything here is a pure
function of the result documents (:mod:`grader.results`, which also reads
them from ``OUT/results/<assignment>/<student>.json``), so a gradebook can be
re-made at any time without running student code again.

Tables
------
long
    One row per (student, assignment): ``student``, ``assignment``, one column
    per graded function (its score), ``manual`` (if any document has manual
    items), ``late_penalty`` (if any document lost points for lateness),
    ``score``, ``max_score``.
wide
    One row per student: ``student``, one column per assignment (its score),
    ``total``, ``max_total``.

Ordering
--------
Assignments and students are sorted "naturally"
(:func:`grader.results.natural_key`): digit runs compare as numbers, so
``hw2`` comes before ``hw10`` and ``s9`` before ``s10``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from grader.results import (
    ResultDocument,
    ResultError,
    as_document,
    document_key,
    load_results,
    natural_key,
    write_text_atomic,
)

__all__ = ["CSV_DECIMALS", "gradebook_long", "gradebook_wide", "write_gradebook"]

#: Digits kept when floats are written to CSV (drops 0.30000000000000004 noise).
CSV_DECIMALS = 6

_LONG_FIXED = ("student", "assignment", "manual", "late_penalty", "score", "max_score")
_WIDE_FIXED = ("student", "total", "max_total")

#: A result document: the stored JSON object or its typed view.
Document = ResultDocument | Mapping[str, Any]


# --------------------------------------------------------------------------- tables


def _sorted_unique(results: Iterable[Document]) -> list[ResultDocument]:
    docs = sorted((as_document(d) for d in results), key=document_key)
    for a, b in zip(docs, docs[1:], strict=False):
        if (a.assignment, a.student) == (b.assignment, b.student):
            raise ResultError(
                f"two result documents for assignment {a.assignment!r}, student "
                f"{a.student!r}; keep one document per (student, assignment)"
            )
    return docs


def _manual_sum(doc: ResultDocument) -> float:
    scored = [m.score for m in doc.manual if m.score is not None]
    return math.fsum(scored) if scored else math.nan


def _long_functions(docs: list[ResultDocument]) -> tuple[list[str], dict[str, set[str]]]:
    """Function columns in order of first appearance, and the functions of each assignment."""
    functions: list[str] = []
    belongs: dict[str, set[str]] = {}
    for doc in docs:
        for item in doc.items:
            name = item.function
            if name in _LONG_FIXED:
                raise ResultError(
                    f"function {name!r} of assignment {doc.assignment!r} has the name of a "
                    f"fixed gradebook column {_LONG_FIXED}; rename it in the rubric"
                )
            belongs.setdefault(doc.assignment, set()).add(name)
            if name not in functions:
                functions.append(name)
    return functions, belongs


def gradebook_long(results: Iterable[Document]) -> pd.DataFrame:
    """One row per (student, assignment) with the score of every graded function.

    Parameters
    ----------
    results : iterable of dict or ResultDocument
        Result documents, e.g. from :func:`grader.results.load_results`, in
        any order.

    Returns
    -------
    pandas.DataFrame
        Columns ``student``, ``assignment``, then one float column per function
        in order of first appearance (documents taken in (assignment, student)
        order), then ``manual`` (only if some document has manual items),
        ``late_penalty`` (only if some document lost points for lateness:
        the points removed), ``score`` and ``max_score``. Rows are sorted by
        (assignment, student).

    Raises
    ------
    ResultError
        (a ``ValueError``) If a document is invalid, two documents share
        (student, assignment), or a function is named like one of the fixed
        columns.

    Notes
    -----
    A function cell is NaN when the function does not belong to the row's
    assignment (no document of that assignment grades it). When it belongs to
    the assignment but this student's document has no item for it (e.g. the
    submission did not load), the cell is 0.0, so that the function cells
    plus ``manual`` minus ``late_penalty`` add up to ``score`` and column
    means count every student.

    ``manual`` is the sum of the manual items that have been scored; it is NaN
    when none has (all pending, or the assignment has no manual items), so
    that pending work is not shown as 0.
    """
    docs = _sorted_unique(results)
    functions, belongs = _long_functions(docs)
    has_manual = any(doc.manual for doc in docs)
    has_late = any(doc.late_penalty for doc in docs)
    rows = []
    for doc in docs:
        scores = {item.function: item.score for item in doc.items}
        row: dict[str, Any] = {"student": doc.student, "assignment": doc.assignment}
        for name in functions:
            if name in scores:
                row[name] = scores[name]
            elif name in belongs.get(doc.assignment, ()):
                row[name] = 0.0
            else:
                row[name] = math.nan
        if has_manual:
            row["manual"] = _manual_sum(doc)
        if has_late:
            row["late_penalty"] = doc.late_penalty
        row["score"] = doc.score
        row["max_score"] = doc.max_score
        rows.append(row)

    columns = ["student", "assignment", *functions]
    columns += ["manual"] if has_manual else []
    columns += ["late_penalty"] if has_late else []
    columns += ["score", "max_score"]
    frame = pd.DataFrame(rows, columns=columns)
    numeric = columns[2:]
    frame[numeric] = frame[numeric].astype("float64")
    return frame


def _wide_assignments(docs: list[ResultDocument]) -> tuple[list[str], float]:
    """Assignments in natural order and the course's ``max_total``; one ``max_score`` per assignment."""
    assignments: list[str] = []
    max_scores: dict[str, tuple[float, str]] = {}
    for doc in docs:
        name, max_score = doc.assignment, doc.max_score
        if name in _WIDE_FIXED:
            raise ResultError(
                f"assignment {name!r} has the name of a fixed gradebook column {_WIDE_FIXED}; "
                "rename the assignment"
            )
        if name not in max_scores:
            assignments.append(name)
            max_scores[name] = (max_score, doc.student)
        elif not math.isclose(max_scores[name][0], max_score, rel_tol=1e-9, abs_tol=1e-12):
            first, who = max_scores[name]
            raise ResultError(
                f"assignment {name!r} has max_score {first!r} for student {who!r} but "
                f"{max_score!r} for student {doc.student!r}; re-grade the assignment with "
                "one rubric so that totals are comparable"
            )
    return assignments, math.fsum(max_scores[a][0] for a in assignments)


def gradebook_wide(results: Iterable[Document]) -> pd.DataFrame:
    """One row per student with the score of every assignment and the course total.

    Parameters
    ----------
    results : iterable of dict or ResultDocument
        Result documents of any number of assignments, in any order.

    Returns
    -------
    pandas.DataFrame
        Columns ``student``, one float column per assignment (natural order),
        ``total`` and ``max_total``; one row per student, sorted by id.

    Raises
    ------
    ResultError
        (a ``ValueError``) If a document is invalid, two documents share
        (student, assignment), the documents of one assignment disagree on
        ``max_score`` (graded with different rubrics), or an assignment is
        named ``student``, ``total`` or ``max_total``.

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
    assignments, max_total = _wide_assignments(docs)
    students = sorted({doc.student for doc in docs}, key=natural_key)
    scores = {(doc.student, doc.assignment): doc.score for doc in docs}
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
        The ``results`` folder (see :func:`grader.results.load_results`).
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
    ResultsFolderMissing
        (a ``FileNotFoundError``) If ``results_dir`` is not a folder.
    ResultError
        (a ``ValueError``) If a result document is invalid (see
        :func:`grader.results.load_results`) or the documents are
        inconsistent (see :func:`gradebook_wide`).
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
