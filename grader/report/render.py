"""Render recorded result documents as self-contained HTML reports.

Every page is a pure function of result documents (see
:mod:`grader.gradebook` for the schema and loading): it can be re-made at any
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
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from grader import __version__
from grader.gradebook import load_results, natural_key, validate_result, write_text_atomic

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


def _check_view(check: dict[str, Any]) -> dict[str, Any]:
    plot = check.get("plot")
    plot_ok = isinstance(plot, str) and _PLOT_URI.fullmatch(plot) is not None
    return {
        "name": str(check.get("name", "")),
        "kind": str(check.get("kind") or ""),
        "visibility": str(check.get("visibility") or "public"),
        "outcome": check["outcome"],
        "open": check["outcome"] != "passed",
        "score": _points(float(check.get("score", 0.0))),
        "max_score": _points(float(check.get("max_score", 0.0))),
        "messages": [str(m) for m in check.get("messages") or []],
        "plot": plot if plot_ok else None,
        "plot_rejected": plot is not None and not plot_ok,
    }


def _item_view(item: dict[str, Any]) -> dict[str, Any]:
    misconception = item.get("misconception")
    source = item.get("source")
    return {
        "function": item["function"],
        "anchor": "fn-" + item["function"],
        "score": _points(float(item["score"])),
        "max_score": _points(float(item["max_score"])),
        "status": item["status"],
        "feedback": [str(line) for line in item.get("feedback") or []],
        "misconception": None
        if not misconception
        else {
            "title": str(misconception.get("title") or misconception.get("name") or ""),
            "explanation": str(misconception.get("explanation") or ""),
            "reference": str(misconception.get("reference") or ""),
        },
        "source": None
        if not source
        else {"location": str(source.get("location") or ""), "text": str(source.get("text", ""))},
        "checks": [_check_view(c) for c in item.get("checks") or []],
    }


def _student_view(result: dict[str, Any]) -> dict[str, Any]:
    stdout = result.get("stdout", "")
    manual = result.get("manual", [])
    pending = [m for m in manual if m.get("score") is None]
    sha256 = str(result.get("submission_sha256") or "")
    return {
        "student": result["student"],
        "assignment": result["assignment"],
        "score": _points(float(result["score"])),
        "max_score": _points(float(result["max_score"])),
        "percent": _percent(float(result["score"]), float(result["max_score"])),
        "submission_path": str(result.get("submission_path") or ""),
        "submission_kind": str(result.get("submission_kind") or ""),
        "sha256": sha256,
        "sha256_short": sha256[:12] + ("…" if len(sha256) > 12 else ""),
        "graded_at": str(result.get("graded_at") or ""),
        "grader_version": str(result.get("grader_version") or ""),
        "errors": list(result.get("errors", [])),
        "notes": list(result.get("notes", [])),
        "functions": [_item_view(item) for item in result["items"]],
        "manual": [
            {
                "title": str(m.get("title") or m.get("item") or ""),
                "score": None if m.get("score") is None else _points(float(m["score"])),
                "max_score": _points(float(m["max_score"])),
                "comment": str(m.get("comment") or ""),
            }
            for m in manual
        ],
        "manual_pending": len(pending),
        "manual_pending_points": _points(math.fsum(float(m["max_score"]) for m in pending)),
        "stdout": stdout[:STDOUT_DISPLAY_LIMIT],
        "stdout_length": len(stdout),
        "stdout_length_text": f"{len(stdout):,}",
        "stdout_limit_text": f"{STDOUT_DISPLAY_LIMIT:,}",
        "stdout_truncated": len(stdout) > STDOUT_DISPLAY_LIMIT,
    }


def render_student_report(result: dict[str, Any]) -> str:
    """Render one student's feedback report for one assignment.

    Parameters
    ----------
    result : dict
        A result document (schema version 1), as written by the record stage
        and returned by :func:`grader.gradebook.load_results`.

    Returns
    -------
    str
        A complete, self-contained HTML page (inline CSS, no scripts, no
        network). Everything taken from the document is HTML-escaped. The same
        document always gives the same string.

    Raises
    ------
    ValueError
        If ``result`` is not a valid result document (see
        :func:`grader.gradebook.validate_result`).

    Notes
    -----
    Checks that did not pass are expanded; passed checks are collapsed.
    Pending manual parts are shown as "pending", never as 0. Captured output is
    collapsed and cut after ``STDOUT_DISPLAY_LIMIT`` (20,000) characters, with
    a note giving the full length. A plot is shown only if it is an inline
    ``data:image/{png,jpeg,gif,webp};base64`` URI.
    """
    validate_result(result, source=_describe(result))
    template = _environment().get_template("student.html.j2")
    return template.render(r=_student_view(result), grader_version=__version__)


def _describe(result: Any) -> str:
    if isinstance(result, dict):
        return f"result document for {result.get('assignment')!r}/{result.get('student')!r}"
    return "result document"


# --------------------------------------------------------------------------- class overview

_NO_RESULT = {"score": "—", "status": "none", "label": "no result"}


def _overview_view(assignment: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    docs = sorted(results, key=lambda d: natural_key(d["student"]))
    n = len(docs)

    functions: list[str] = []
    function_max: dict[str, float] = {}
    for doc in docs:
        for item in doc["items"]:
            if item["function"] not in function_max:
                functions.append(item["function"])
                function_max[item["function"]] = float(item["max_score"])
    manual_docs = [doc for doc in docs if doc.get("manual")]
    has_manual = bool(manual_docs)
    max_score = max((float(doc["max_score"]) for doc in docs), default=0.0)

    rows = []
    for doc in docs:
        items = {item["function"]: item for item in doc["items"]}
        cells = []
        for name in functions:
            item = items.get(name)
            if item is None:
                cells.append({"function": name, **_NO_RESULT})
            else:
                cells.append(
                    {
                        "function": name,
                        "score": _points(float(item["score"])),
                        "status": item["status"],
                        "label": item["status"],
                    }
                )
        manual = doc.get("manual", [])
        scored = [float(m["score"]) for m in manual if m.get("score") is not None]
        rows.append(
            {
                "student": doc["student"],
                "href": quote(doc["student"], safe="") + ".html",
                "n_errors": len(doc.get("errors", [])),
                "cells": cells,
                "manual": _points(math.fsum(scored)) if scored else "—",
                "manual_sum": math.fsum(scored) if scored else None,
                "manual_pending": len(manual) - len(scored),
                "score": _points(float(doc["score"])),
                "percent": _percent(float(doc["score"]), float(doc["max_score"])),
            }
        )

    function_views = []
    for name in functions:
        graded = [i for d in docs for i in d["items"] if i["function"] == name]
        passed = sum(1 for i in graded if i["status"] == "passed")
        total = math.fsum(float(i["score"]) for i in graded)  # absent items count as 0
        function_views.append(
            {
                "name": name,
                "max_score": _points(function_max[name]),
                "pass_rate": f"{passed}/{n} ({_percent(passed, n, digits=0)})",
                "mean": _points(total / n),
            }
        )

    manual_sums = [r["manual_sum"] for r in rows if r["manual_sum"] is not None]
    scores = [float(doc["score"]) for doc in docs]
    mean_score = statistics.fmean(scores) if scores else 0.0
    return {
        "assignment": assignment,
        "n_students": n,
        "functions": function_views,
        "rows": rows,
        "has_manual": has_manual,
        "manual_max": _points(
            math.fsum(float(m["max_score"]) for m in manual_docs[0]["manual"]) if has_manual else 0
        ),
        "manual_mean": _points(statistics.fmean(manual_sums)) if manual_sums else "—",
        "max_score": _points(max_score),
        "mean_score": _points(mean_score) if scores else "—",
        "mean_percent": _percent(mean_score, max_score) if scores else "—",
    }


def render_class_overview(assignment: str, results: list[dict[str, Any]]) -> str:
    """Render the class overview of one assignment.

    Parameters
    ----------
    assignment : str
        The assignment id, e.g. ``"hw2"``.
    results : list of dict
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
    ValueError
        If a document is invalid, belongs to another assignment, or two
        documents are for the same student.

    Notes
    -----
    Functions are listed in order of first appearance (students in id order).
    Pass rates and means are taken over all students of the assignment: a
    student whose document has no item for a function (e.g. the submission
    did not load) counts as not passed with 0 points.
    """
    seen: set[str] = set()
    for doc in results:
        validate_result(doc, source=_describe(doc))
        if doc["assignment"] != assignment:
            raise ValueError(
                f"{_describe(doc)} belongs to assignment {doc['assignment']!r}, not "
                f"{assignment!r}; pass only the documents of one assignment"
            )
        if doc["student"] in seen:
            raise ValueError(
                f"two result documents for student {doc['student']!r} in assignment "
                f"{assignment!r}; keep one document per (student, assignment)"
            )
        seen.add(doc["student"])
    template = _environment().get_template("overview.html.j2")
    return template.render(o=_overview_view(assignment, list(results)), grader_version=__version__)


# --------------------------------------------------------------------------- files


def _group_by_assignment(results: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for doc in results:
        groups.setdefault(doc["assignment"], []).append(doc)
    return groups


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
    FileNotFoundError
        If ``results_dir`` is not a folder.
    ValueError
        If a result document is invalid (see
        :func:`grader.gradebook.load_results`), or a student id is ``index``,
        which would collide with the overview page.
    OSError
        If a file cannot be written. Each file is written atomically (temporary
        file in the same folder, then :func:`os.replace`), so a reader never
        sees a partial page.

    Notes
    -----
    Pages of students whose result document has been removed are not deleted.
    """
    results = load_results(Path(results_dir))
    for doc in results:
        if doc["student"] == _OVERVIEW_NAME:
            raise ValueError(
                f"student id {doc['student']!r} in assignment {doc['assignment']!r} would "
                f"overwrite the class overview {_OVERVIEW_NAME}.html; rename the student"
            )
    written = []
    for assignment, docs in _group_by_assignment(results).items():
        folder = Path(reports_dir) / assignment
        for doc in docs:
            path = folder / f"{doc['student']}.html"
            write_text_atomic(path, render_student_report(doc))
            written.append(path)
        path = folder / f"{_OVERVIEW_NAME}.html"
        write_text_atomic(path, render_class_overview(assignment, docs))
        written.append(path)
    return written
