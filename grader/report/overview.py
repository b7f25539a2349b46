"""The class overview of one assignment: one row per student, pass rate and mean per function.

A pure function of the assignment's result documents. Besides the scores,
each row carries markers (and the header their counts): ``missing`` (a
roster student without a submission), ``late`` (with the hours and the
penalty), ``overridden`` (functions whose points an instructor set) and
``not on roster`` (a submission from a student the run's roster does not list).
Below the table, what the class teaches the instructor
(:mod:`grader.report.teaching`): per function the public against the hidden
pass rate and the named misconceptions with their students, and the score
distribution as a small inline histogram. The header links the similarity
report when there is one (:class:`SimilarityLink`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from grader import __version__
from grader.report.common import duration
from grader.report.common import environment as _environment
from grader.report.common import percent as _percent
from grader.report.common import points as _points
from grader.report.teaching import LARGE_GAP, function_lessons, score_histogram
from grader.results import ResultDocument, ResultError, as_document, describe, natural_key

__all__ = ["SimilarityLink", "render_class_overview"]


@dataclass(frozen=True)
class SimilarityLink:
    """The similarity report of the assignment, as the overview links it.

    Attributes
    ----------
    href : str
        Relative to the overview, e.g. ``"similarity/index.html"``.
    pairs : int or None
        How many pairs it flags, when known.
    """

    href: str
    pairs: int | None = None


def _markers(doc: ResultDocument) -> list[dict[str, str]]:
    """The row's flags: missing, late, overridden, not on roster (each a CSS class and a label)."""
    marks = []
    if doc.status == "missing":
        marks.append({"kind": "missing", "label": "missing"})
    if doc.late_by_hours > 0:
        penalty = f", penalty {_points(doc.late_penalty)}" if doc.late_penalty else ""
        marks.append({"kind": "late", "label": f"late {duration(doc.late_by_hours)}{penalty}"})
    if doc.overrides:
        marks.append({"kind": "overridden", "label": f"{len(doc.overrides)} overridden"})
    if doc.on_roster is False:
        marks.append({"kind": "not-on-roster", "label": "not on roster"})
    return marks


_NO_RESULT = {"score": "—", "status": "none", "label": "no result"}


def _function_columns(docs: list[ResultDocument]) -> dict[str, float]:
    """Each function's points, in order of first appearance (students in id order)."""
    function_max: dict[str, float] = {}
    for doc in docs:
        for item in doc.items:
            function_max.setdefault(item.function, item.max_score)
    return function_max


def _overview_row(doc: ResultDocument, functions: Iterable[str]) -> dict[str, Any]:
    items = {item.function: item for item in doc.items}
    cells = []
    for name in functions:
        item = items.get(name)
        if item is None:
            cells.append({"function": name, **_NO_RESULT})
        else:
            overridden = any(o.function == name for o in doc.overrides)
            cells.append({"function": name, "score": _points(item.score), "status": item.status,
                          "label": item.status + (" (overridden)" if overridden else "")})
    scored = [m.score for m in doc.manual if m.score is not None]
    return {
        "student": doc.student,
        "href": quote(doc.student, safe="") + ".html",
        "n_errors": len(doc.errors) if doc.status != "missing" else 0,
        "markers": _markers(doc),
        "cells": cells,
        "manual": _points(math.fsum(scored)) if scored else "—",
        "manual_sum": math.fsum(scored) if scored else None,
        "manual_pending": len(doc.manual) - len(scored),
        "score": _points(doc.score),
        "percent": _percent(doc.score, doc.max_score),
    }


def _function_stats(docs: list[ResultDocument], name: str, max_score: float) -> dict[str, Any]:
    """Pass rate and mean of one function over all students (an absent item counts as 0, not passed)."""
    n = len(docs)
    graded = [i for d in docs for i in d.items if i.function == name]
    passed = sum(1 for i in graded if i.status == "passed")
    total = math.fsum(i.score for i in graded)
    return {
        "name": name,
        "max_score": _points(max_score),
        "pass_rate": f"{passed}/{n} ({_percent(passed, n, digits=0)})",
        "mean": _points(total / n),
    }


def _overview_view(assignment: str, results: list[ResultDocument],
                   similarity: SimilarityLink | None = None) -> dict[str, Any]:
    docs = sorted(results, key=lambda d: natural_key(d.student))
    function_max = _function_columns(docs)
    manual_docs = [doc for doc in docs if doc.manual]
    rows = [_overview_row(doc, function_max) for doc in docs]
    manual_sums = [r["manual_sum"] for r in rows if r["manual_sum"] is not None]
    scores = [doc.score for doc in docs]
    max_score = max((doc.max_score for doc in docs), default=0.0)
    mean_score = statistics.fmean(scores) if scores else 0.0
    return {
        "assignment": assignment,
        "n_students": len(docs),
        "functions": [_function_stats(docs, name, m) for name, m in function_max.items()],
        "rows": rows,
        "has_manual": bool(manual_docs),
        "manual_max": _points(math.fsum(m.max_score for m in manual_docs[0].manual) if manual_docs else 0),
        "manual_mean": _points(statistics.fmean(manual_sums)) if manual_sums else "—",
        "max_score": _points(max_score),
        "mean_score": _points(mean_score) if scores else "—",
        "mean_percent": _percent(mean_score, max_score) if scores else "—",
        "counts": {"missing": sum(d.status == "missing" for d in docs),
                   "late": sum(d.late_by_hours > 0 for d in docs),
                   "overridden": sum(bool(d.overrides) for d in docs),
                   "not_on_roster": sum(d.on_roster is False for d in docs)},
        "n_graded": sum(d.status != "missing" for d in docs),
        "lessons": function_lessons(docs, list(function_max)),
        "large_gap": f"{100 * LARGE_GAP:.0f}",
        "histogram": score_histogram(docs),
        "similarity": similarity,
    }


def render_class_overview(assignment: str, results: Iterable[ResultDocument | Mapping[str, Any]], *,
                          similarity: SimilarityLink | None = None) -> str:
    """Render the class overview of one assignment.

    Parameters
    ----------
    assignment : str
        The assignment id, e.g. ``"hw2"``.
    results : iterable of dict or ResultDocument
        The result documents of that assignment, one per student, in any order.
    similarity : SimilarityLink, optional
        The assignment's similarity report, linked from the header (with the
        number of flagged pairs when known); no link when ``None``.

    Returns
    -------
    str
        A self-contained HTML page with one row per student (sorted by id,
        linking to ``<student>.html`` in the same folder): each function's
        score with its status as text and colour, manual points, total and
        percentage; then the pass rate and mean score of each function. Rows
        carry the markers ``missing``, ``late``, ``overridden`` and ``not on
        roster`` (``data-marker``), and the header counts them when non-zero.
        Below: per function the public and hidden pass rates, their gap and
        who passed public checks only, the students with overrides, and the
        named misconceptions with links to the students' reports; and the
        score distribution as an inline PNG histogram (with its counts in text).

    Raises
    ------
    ResultError
        (a ``ValueError``) If a document is invalid, belongs to another
        assignment, or two documents are for the same student.

    Notes
    -----
    Functions are listed in order of first appearance (students in id order).
    Pass rates and means are taken over all students of the assignment: a
    student whose document has no item for a function (e.g. the submission
    did not load) counts as not passed with 0 points. The public and hidden
    pass rates, misconceptions and histogram count graded students only
    (``missing`` documents are counted in the header).
    """
    docs = [as_document(doc) for doc in results]
    seen: set[str] = set()
    for doc in docs:
        if doc.assignment != assignment:
            raise ResultError(
                f"{describe(doc)} belongs to assignment {doc.assignment!r}, not "
                f"{assignment!r}; pass only the documents of one assignment"
            )
        if doc.student in seen:
            raise ResultError(
                f"two result documents for student {doc.student!r} in assignment "
                f"{assignment!r}; keep one document per (student, assignment)"
            )
        seen.add(doc.student)
    template = _environment().get_template("overview.html.j2")
    return template.render(o=_overview_view(assignment, docs, similarity), grader_version=__version__)
