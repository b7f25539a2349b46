"""Render recorded result documents as self-contained HTML reports.

Every page is a pure function of result documents (see
:mod:`grader.results` for the model and loading): it can be re-made at any
time without running student code. Pages are rendered from the Jinja2
templates in ``templates/`` with autoescaping on, because almost everything
in a result document (source lines, messages, captured output) was written or
caused by a student and is untrusted. Each page carries its CSS inline and a
Content-Security-Policy that forbids scripts and network access; plots are
shown only when they are inline ``data:`` images.

Pages
-----
``<assignment>/<student>.html``
    One student's feedback: total, per-function table, checks, misconception,
    source line, manual parts, captured output.
``<assignment>/index.html``
    The class overview: one row per student, pass rate and mean per function.
"""

from __future__ import annotations

import functools
import math
import re
import statistics
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from grader import __version__
from grader.results import (
    Check,
    Item,
    ManualEntry,
    ResultDocument,
    ResultError,
    as_document,
    describe,
    load_results,
    natural_key,
    write_text_atomic,
)

__all__ = [
    "STDOUT_DISPLAY_LIMIT",
    "render_student_report",
    "render_class_overview",
    "write_reports",
]

#: Captured output longer than this many characters is cut in the report.
STDOUT_DISPLAY_LIMIT = 20_000

_TEMPLATES = Path(__file__).with_name("templates")
_PLOT_URI = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}")
_OVERVIEW_NAME = "index"


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _points(value: float) -> str:
    """Format points compactly: 10.0 -> '10', 7.5 -> '7.5', 1/3 -> '0.33'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _percent(score: float, max_score: float, digits: int = 1) -> str:
    if max_score <= 0:
        return "n/a"
    return f"{100.0 * score / max_score:.{digits}f}%"


# --------------------------------------------------------------------------- student page


def _check_view(check: Check) -> dict[str, Any]:
    plot = check.plot
    plot_ok = plot is not None and _PLOT_URI.fullmatch(plot) is not None
    return {
        "name": check.name,
        "kind": check.kind,
        "visibility": check.visibility,
        "outcome": check.outcome,
        "open": check.outcome != "passed",
        "score": _points(check.score),
        "max_score": _points(check.max_score),
        "messages": list(check.messages),
        "plot": plot if plot_ok else None,
        "plot_rejected": plot is not None and not plot_ok,
    }


def _item_view(item: Item) -> dict[str, Any]:
    misconception, source = item.misconception, item.source
    return {
        "function": item.function,
        "anchor": "fn-" + item.function,
        "score": _points(item.score),
        "max_score": _points(item.max_score),
        "status": item.status,
        "feedback": list(item.feedback),
        "misconception": None
        if misconception is None
        else {
            "title": misconception.title or misconception.name,
            "explanation": misconception.explanation,
            "reference": misconception.reference,
        },
        "source": None if source is None else {"location": source.location, "text": source.text},
        "checks": [_check_view(c) for c in item.checks],
    }


def _manual_view(entry: ManualEntry) -> dict[str, Any]:
    return {
        "title": entry.title or entry.item,
        "score": None if entry.score is None else _points(entry.score),
        "max_score": _points(entry.max_score),
        "comment": entry.comment,
    }


def _student_view(result: ResultDocument) -> dict[str, Any]:
    stdout = result.stdout
    pending = [m for m in result.manual if m.score is None]
    sha256 = result.submission_sha256
    return {
        "student": result.student,
        "assignment": result.assignment,
        "score": _points(result.score),
        "max_score": _points(result.max_score),
        "percent": _percent(result.score, result.max_score),
        "submission_path": result.submission_path,
        "submission_kind": result.submission_kind,
        "sha256": sha256,
        "sha256_short": sha256[:12] + ("…" if len(sha256) > 12 else ""),
        "graded_at": result.graded_at,
        "grader_version": result.grader_version,
        "errors": list(result.errors),
        "notes": list(result.notes),
        "functions": [_item_view(item) for item in result.items],
        "manual": [_manual_view(m) for m in result.manual],
        "manual_pending": len(pending),
        "manual_pending_points": _points(math.fsum(m.max_score for m in pending)),
        "stdout": stdout[:STDOUT_DISPLAY_LIMIT],
        "stdout_length": len(stdout),
        "stdout_length_text": f"{len(stdout):,}",
        "stdout_limit_text": f"{STDOUT_DISPLAY_LIMIT:,}",
        "stdout_truncated": len(stdout) > STDOUT_DISPLAY_LIMIT,
    }


def render_student_report(result: ResultDocument | Mapping[str, Any]) -> str:
    """Render one student's feedback report for one assignment.

    Parameters
    ----------
    result : dict or ResultDocument
        A result document (schema version 1), as written by the record stage
        and returned by :func:`grader.results.load_results`.

    Returns
    -------
    str
        A complete, self-contained HTML page (inline CSS, no scripts, no
        network). Everything taken from the document is HTML-escaped. The same
        document always gives the same string.

    Raises
    ------
    ResultError
        (a ``ValueError``) If ``result`` is not a valid result document (see
        :func:`grader.results.validate_result`).

    Notes
    -----
    Checks that did not pass are expanded; passed checks are collapsed.
    Pending manual parts are shown as "pending", never as 0. Captured output is
    collapsed and cut after ``STDOUT_DISPLAY_LIMIT`` (20,000) characters, with
    a note giving the full length. A plot is shown only if it is an inline
    ``data:image/{png,jpeg,gif,webp};base64`` URI.
    """
    doc = as_document(result)
    template = _environment().get_template("student.html.j2")
    return template.render(r=_student_view(doc), grader_version=__version__)


# --------------------------------------------------------------------------- class overview

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
            cells.append({"function": name, "score": _points(item.score), "status": item.status,
                          "label": item.status})
    scored = [m.score for m in doc.manual if m.score is not None]
    return {
        "student": doc.student,
        "href": quote(doc.student, safe="") + ".html",
        "n_errors": len(doc.errors),
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


def _overview_view(assignment: str, results: list[ResultDocument]) -> dict[str, Any]:
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
    }


def render_class_overview(assignment: str, results: Iterable[ResultDocument | Mapping[str, Any]]) -> str:
    """Render the class overview of one assignment.

    Parameters
    ----------
    assignment : str
        The assignment id, e.g. ``"hw2"``.
    results : iterable of dict or ResultDocument
        The result documents of that assignment, one per student, in any order.

    Returns
    -------
    str
        A self-contained HTML page with one row per student (sorted by id,
        linking to ``<student>.html`` in the same folder): each function's
        score with its status as text and colour, manual points, total and
        percentage; then the pass rate and mean score of each function.

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
    did not load) counts as not passed with 0 points.
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
    return template.render(o=_overview_view(assignment, docs), grader_version=__version__)


# --------------------------------------------------------------------------- files


def write_reports(results_dir: Path, reports_dir: Path) -> list[Path]:
    """Render every result document and every class overview to files.

    Parameters
    ----------
    results_dir : pathlib.Path
        The ``results`` folder holding ``<assignment>/<student>.json``.
    reports_dir : pathlib.Path
        Destination folder; created if needed. Writes
        ``<assignment>/<student>.html`` and ``<assignment>/index.html``.

    Returns
    -------
    list of pathlib.Path
        The files written, per assignment (natural order): the students' pages
        in id order, then ``index.html``.

    Raises
    ------
    ResultsFolderMissing
        When there is no folder ``results_dir`` (it is a ``FileNotFoundError``).
    ResultError
        When a document cannot be read (see :func:`grader.results.load_results`),
        or a student id is ``index``, which would collide with the overview page
        (it is a ``ValueError``).
    OSError
        If a file cannot be written. Each file is written atomically (temporary
        file in the same folder, then :func:`os.replace`), so a reader never
        sees a partial page.

    Notes
    -----
    Pages of students whose result document has been removed are not deleted.
    """
    results = [as_document(doc) for doc in load_results(Path(results_dir))]
    for doc in results:
        if doc.student == _OVERVIEW_NAME:
            raise ResultError(
                f"student id {doc.student!r} in assignment {doc.assignment!r} would "
                f"overwrite the class overview {_OVERVIEW_NAME}.html; rename the student"
            )
    groups: dict[str, list[ResultDocument]] = {}
    for doc in results:
        groups.setdefault(doc.assignment, []).append(doc)
    written = []
    for assignment, docs in groups.items():
        folder = Path(reports_dir) / assignment
        for doc in docs:
            path = folder / f"{doc.student}.html"
            write_text_atomic(path, render_student_report(doc))
            written.append(path)
        path = folder / f"{_OVERVIEW_NAME}.html"
        write_text_atomic(path, render_class_overview(assignment, docs))
        written.append(path)
    return written
