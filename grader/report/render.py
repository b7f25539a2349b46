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
    The class overview: one row per student, pass rate and mean per function;
    per function public against hidden pass rates and the misconceptions
    named, the score histogram (:mod:`grader.report.overview`).

With ``anonymise`` (:func:`write_reports`) every student is shown, and
every student page named, by a pseudonym (:mod:`grader.report.pseudonyms`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader import __version__
from grader.report.common import duration
from grader.report.common import environment as _environment
from grader.report.common import percent as _percent
from grader.report.common import points as _points
from grader.report.overview import SimilarityLink, render_class_overview
from grader.report.pseudonyms import MAPPING_FILE, anonymise_document, is_pseudonym, pseudonyms, write_mapping
from grader.results import (
    Check,
    Item,
    ManualEntry,
    Override,
    ResultDocument,
    ResultError,
    as_document,
    load_results,
    natural_key,
    write_text_atomic,
)
from grader.similarity.render import INDEX_LINK

__all__ = [
    "STDOUT_DISPLAY_LIMIT",
    "render_student_report",
    "render_class_overview",
    "write_reports",
]

#: Captured output longer than this many characters is cut in the report.
STDOUT_DISPLAY_LIMIT = 20_000

_PLOT_URI = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}")
_OVERVIEW_NAME = "index"
# how the similarity index marks a pair's row, and says that there is none (grader/similarity/templates)
_PAIR_ROW = "<tr data-pair="
_NO_PAIRS = 'class="empty"'


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


def _override_view(override: Override | None) -> dict[str, str] | None:
    if override is None:
        return None
    return {"points": _points(override.points), "auto_points": _points(override.auto_points),
            "reason": override.reason, "by": override.by, "at": override.at}


def _item_view(item: Item, override: Override | None = None) -> dict[str, Any]:
    misconception, source = item.misconception, item.source
    return {
        "override": _override_view(override),
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


def _late_view(result: ResultDocument) -> dict[str, Any] | None:
    """Submission time and lateness, when a late policy applies (``raw_score`` is set)."""
    if result.raw_score is None:
        return None
    return {
        "submitted_at": result.submitted_at or "unknown",
        "late": result.late_by_hours > 0,
        "late_by": duration(result.late_by_hours),
        "raw_score": _points(result.raw_score),
        "penalty": _points(result.late_penalty),
        "fraction": f"{100 * result.late_penalty_fraction:.0f}%",
        "note": result.late_note,
    }


def _student_view(result: ResultDocument) -> dict[str, Any]:
    stdout = result.stdout
    overrides = {o.function: o for o in result.overrides}
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
        "functions": [_item_view(item, overrides.get(item.function)) for item in result.items],
        "missing": result.status == "missing",
        "not_on_roster": result.on_roster is False,
        "late": _late_view(result),
        "n_overrides": len(overrides),
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
    A ``missing`` document (no submission) gives a short "No submission was
    found" page. With a late policy the header shows the submission time,
    and when late the hours, the raw score and the penalty; an overridden
    function shows the instructor's points, the auto score and the reason.
    Checks that did not pass are expanded; passed checks are collapsed.
    Pending manual parts are shown as "pending", never as 0. Captured output is
    collapsed and cut after ``STDOUT_DISPLAY_LIMIT`` (20,000) characters, with
    a note giving the full length. A plot is shown only if it is an inline
    ``data:image/{png,jpeg,gif,webp};base64`` URI.
    """
    doc = as_document(result)
    template = _environment().get_template("student.html.j2")
    return template.render(r=_student_view(doc), grader_version=__version__)


# --------------------------------------------------------------------------- files


def _check_ids(results: list[ResultDocument]) -> None:
    for doc in results:
        if doc.student == _OVERVIEW_NAME:
            raise ResultError(
                f"student id {doc.student!r} in assignment {doc.assignment!r} would "
                f"overwrite the class overview {_OVERVIEW_NAME}.html; rename the student"
            )


def _similarity_link(folder: Path) -> SimilarityLink | None:
    """The link to ``<folder>/similarity/index.html`` if it exists, with its pairs counted when readable."""
    index = folder / INDEX_LINK
    try:
        text = index.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except (OSError, UnicodeDecodeError):
        return SimilarityLink(INDEX_LINK)
    pairs = text.count(_PAIR_ROW)
    known = pairs > 0 or _NO_PAIRS in text
    return SimilarityLink(INDEX_LINK, pairs if known else None)


def _remove_stale(folder: Path, pages: list[Path], anonymise: bool) -> None:
    """Delete student pages of the other naming: every other page when anonymising, else pseudonym pages."""
    keep = {p.name for p in pages} | {f"{_OVERVIEW_NAME}.html"}
    for page in folder.glob("*.html"):
        stale = page.name not in keep and (anonymise or is_pseudonym(page.name[: -len(".html")]))
        if stale and page.is_file():
            page.unlink()


def _write_assignment(folder: Path, assignment: str, docs: list[ResultDocument], anonymise: bool) -> list[Path]:
    written = []
    for doc in docs:
        path = folder / f"{doc.student}.html"
        write_text_atomic(path, render_student_report(doc))
        written.append(path)
    path = folder / f"{_OVERVIEW_NAME}.html"
    write_text_atomic(path, render_class_overview(assignment, docs, similarity=_similarity_link(folder)))
    _remove_stale(folder, written, anonymise)
    return written + [path]


def write_reports(results_dir: Path, reports_dir: Path, *, anonymise: bool = False, salt: str = "") -> list[Path]:
    """Render every result document and every class overview to files.

    Parameters
    ----------
    results_dir : pathlib.Path
        The ``results`` folder holding ``<assignment>/<student>.json``.
    reports_dir : pathlib.Path
        Destination folder; created if needed. Writes
        ``<assignment>/<student>.html`` and ``<assignment>/index.html``.
    anonymise : bool, optional
        Show every student as a pseudonym (:func:`grader.report.pseudonyms.pseudonyms`
        over the students of all assignments in ``results_dir``): in pages,
        titles, links and file names (``<assignment>/<pseudonym>.html``). The
        mapping is written to ``reports_dir.parent / "pseudonyms.csv"``
        (columns ``student,pseudonym``), outside ``reports_dir`` so that the
        reports can be shared without it.
    salt : str, optional
        The pseudonyms' key: the course's ``term``. Empty means a fixed,
        public salt: pseudonyms are then guessable by anyone with the roster.

    Returns
    -------
    list of pathlib.Path
        The pages written, per assignment (natural order): the students' pages
        in id order (pseudonym order when anonymising), then ``index.html``
        (the mapping file is not listed).

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
    Pages of students whose result document has been removed are not deleted,
    except that switching modes removes the other naming's pages: an
    anonymised run deletes every student page of the assignment it did not
    write (named by id or by an old pseudonym), a plain run deletes pages named
    like pseudonyms that it did not write. Anonymising replaces the id in what
    the grader wrote; what the student wrote (captured output, source lines)
    is shown as it is and may name them (:mod:`grader.report.pseudonyms`).
    The overview links ``similarity/index.html`` when that page exists.
    """
    results = [as_document(doc) for doc in load_results(Path(results_dir))]
    _check_ids(results)
    names = pseudonyms((doc.student for doc in results), salt) if anonymise else {}
    if anonymise:
        write_mapping(Path(reports_dir).parent / MAPPING_FILE, names)
    groups: dict[str, list[ResultDocument]] = {}
    for doc in results:
        groups.setdefault(doc.assignment, []).append(anonymise_document(doc, names[doc.student]) if anonymise else doc)
    written = []
    for assignment, docs in groups.items():
        docs.sort(key=lambda d: natural_key(d.student))
        written.extend(_write_assignment(Path(reports_dir) / assignment, assignment, docs, anonymise))
    return written
