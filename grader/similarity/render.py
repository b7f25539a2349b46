"""The similarity pages of one assignment: an index of pairs and one page per pair.

Written to ``OUT/reports/<assignment>/similarity/``::

    index.html        the pairs at or above the threshold (links), the submissions skipped
    <a>--<b>.html     both codes side by side, the regions found in the other highlighted

Pages are rendered from the autoescaped Jinja2 templates in ``templates/``
(everything on them is student text) and carry a Content-Security-Policy that
forbids scripts and network access, like the feedback reports. Student ids
appear only through ``display_name`` (file names included), so an anonymised
run shows pseudonyms. Nothing here reads or writes a result document: the
report never changes a score.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from grader import __version__
from grader.discover import Submission
from grader.results import write_text_atomic
from grader.similarity.extract import extract_codes
from grader.similarity.filtered import cache_folder
from grader.similarity.pairs import (
    DEFAULT_THRESHOLD,
    MIN_OVERLAP_TOKENS,
    UNUSUAL_Z,
    SimilarPair,
    Span,
    similar_pairs_in_class,
)

__all__ = ["INDEX_LINK", "MAX_PAIR_PAGES", "SimilaritySummary", "pair_page_name", "render_index", "render_pair",
           "similarity_for_assignment"]

#: The index page relative to the class overview ``reports/<assignment>/index.html``.
INDEX_LINK = "similarity/index.html"

#: Most pair pages written per assignment, for the most similar pairs (MOSS shows 250 matches by
#: default, its ``-n``): the index lists every pair, the rest without a page. A class of 300 made of
#: 25 copies each of 12 submissions flags 3600 pairs; rendering them all took a minute.
MAX_PAIR_PAGES = 250

_TEMPLATES = Path(__file__).with_name("templates")
_SEPARATOR = "--"


def _identity(student: str) -> str:
    return student


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


@dataclass(frozen=True)
class SimilaritySummary:
    """What :func:`similarity_for_assignment` found and wrote.

    Attributes
    ----------
    assignment : str
    threshold : float
        The threshold used.
    compared : tuple of str
        Student ids whose code was compared.
    skipped : dict of str to str
        Student id to why the submission was not compared.
    pairs : tuple of SimilarPair
        Pairs at or above the threshold, most similar first.
    index : pathlib.Path
        ``.../similarity/index.html``.
    pages : tuple of pathlib.Path
        One page per pair, in the order of ``pairs``, for the first
        :data:`MAX_PAIR_PAGES` (``max_pages``) of them.
    """

    assignment: str
    threshold: float
    compared: tuple[str, ...]
    skipped: dict[str, str]
    pairs: tuple[SimilarPair, ...]
    index: Path
    pages: tuple[Path, ...]


def pair_page_name(pair: SimilarPair, display_name: Callable[[str], str] = _identity) -> str:
    """File name of a pair's page: ``<a>--<b>.html`` with the names shown for the two students.

    Parameters
    ----------
    pair : SimilarPair
    display_name : callable, optional
        Student id to the name shown (a pseudonym when anonymising); identity by default.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If a displayed name is empty or holds a path separator or a NUL.
    """
    names = [display_name(pair.student_a), display_name(pair.student_b)]
    for name in names:
        if not name or any(c in name for c in "/\\\0"):
            raise ValueError(f"student name {name!r} cannot be part of a file name")
    return _SEPARATOR.join(names) + ".html"


#: A run of characters that are all marked (\1) or all not (\0), in :func:`_lines`'s flags.
_RUNS = re.compile("\0+|\1+")
#: Whitespace as :meth:`str.isspace` sees it (``re``'s ``\s`` on str patterns is the same test).
_WHITESPACE = re.compile(r"\s+")


def _lines(code: str, spans: Sequence[Span]) -> list[dict[str, Any]]:
    """The code line by line, each line as segments ``(text, matched)`` (whitespace never marked).

    One flag per character (matched and not whitespace), then the runs of
    equal flags within each line, found with a regular expression rather
    than a Python loop per character: with the template, the bench's 250
    pair pages of 300 hw2 copies render in 1.3 s instead of 3.6 s.
    """
    marks = bytearray(len(code))
    for start, end in spans:
        marks[start:end] = b"\1" * (end - start)
    for space in _WHITESPACE.finditer(code):
        marks[space.start():space.end()] = bytes(space.end() - space.start())
    flags = marks.decode("latin-1")
    lines: list[dict[str, Any]] = []
    offset = 0
    for number, text in enumerate(code.split("\n"), start=1):
        segments = [(text[run.start() - offset:run.end() - offset], flags[run.start()] == "\1")
                    for run in _RUNS.finditer(flags, offset, offset + len(text))]
        lines.append({"number": number, "segments": segments})
        offset += len(text) + 1
    return lines


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def render_pair(assignment: str, pair: SimilarPair, codes: Mapping[str, str],
                display_name: Callable[[str], str] = _identity) -> str:
    """The page of one pair: both codes side by side, matching regions highlighted.

    Parameters
    ----------
    assignment : str
    pair : SimilarPair
        From :func:`grader.similarity.pairs.similar_pairs` on ``codes``.
    codes : mapping of str to str
        Student id to the code that was compared.
    display_name : callable, optional
        Student id to the name shown; identity by default.

    Returns
    -------
    str
        A self-contained HTML page (inline CSS, no scripts, no network);
        the code is escaped. The same input gives the same string.

    Raises
    ------
    KeyError
        If ``codes`` lacks one of the two students.
    """
    sides = [{"name": display_name(student), "similarity": _percent(similarity),
              "lines": _lines(codes[student], spans)}
             for student, similarity, spans in ((pair.student_a, pair.similarity_a, pair.matched_spans_a),
                                                (pair.student_b, pair.similarity_b, pair.matched_spans_b))]
    view = {"assignment": assignment, "a": sides[0], "b": sides[1], "similarity": _percent(pair.similarity),
            "overlap_tokens": pair.overlap_tokens}
    return _environment().get_template("pair.html.j2").render(p=view, grader_version=__version__)


def render_index(assignment: str, pairs: Sequence[SimilarPair], threshold: float, compared: int,
                 skipped: Mapping[str, str], display_name: Callable[[str], str] = _identity, *,
                 min_overlap: int = MIN_OVERLAP_TOKENS, max_pages: int = MAX_PAIR_PAGES) -> str:
    """The similarity index of one assignment: one row per pair, linking to its page.

    Parameters
    ----------
    assignment : str
    pairs : sequence of SimilarPair
        In the order to show them (most similar first).
    threshold : float
        The threshold used (shown).
    compared : int
        How many submissions were compared.
    skipped : mapping of str to str
        Student id to why the submission was not compared (shown).
    display_name : callable, optional
        Student id to the name shown; identity by default.
    min_overlap : int, optional
        The minimum overlap used (shown).
    max_pages : int, optional
        Only the first this many pairs link to a page (the index says so when pairs are left without).

    Returns
    -------
    str
        A self-contained HTML page; student text escaped.

    Raises
    ------
    ValueError
        If a displayed name cannot be part of a file name (:func:`pair_page_name`).
    """
    rows = [{"a": display_name(p.student_a), "b": display_name(p.student_b),
             "similarity_a": _percent(p.similarity_a), "similarity_b": _percent(p.similarity_b),
             "similarity": _percent(p.similarity), "overlap_tokens": p.overlap_tokens,
             "href": quote(pair_page_name(p, display_name), safe="") if i < max_pages else None}
            for i, p in enumerate(pairs)]
    view = {"assignment": assignment, "rows": rows, "threshold": _percent(threshold), "compared": compared,
            "min_overlap": min_overlap, "z": f"{UNUSUAL_Z:g}", "max_pages": max_pages,
            "without_page": max(0, len(rows) - max_pages),
            "skipped": sorted(({"name": display_name(s), "reason": r} for s, r in skipped.items()),
                              key=lambda k: k["name"])}
    return _environment().get_template("index.html.j2").render(s=view, grader_version=__version__)


def _remove_stale(folder: Path, keep: Iterable[Path]) -> None:
    """Delete pair pages of an earlier run that no pair of this run has written."""
    kept = {p.name for p in keep}
    for page in folder.glob(f"*{_SEPARATOR}*.html"):
        if page.name not in kept and page.is_file():
            page.unlink()


def similarity_for_assignment(out: Path, assignment: str, submissions: Iterable[Submission], handout_code: str,
                              threshold: float | None = None,
                              display_name: Callable[[str], str] = _identity, *,
                              min_overlap: int = MIN_OVERLAP_TOKENS,
                              max_pages: int = MAX_PAIR_PAGES) -> SimilaritySummary:
    """Compare the submissions of one assignment and write its similarity pages.

    Parameters
    ----------
    out : pathlib.Path
        The run's output folder (``OUT``): pages go to ``OUT/reports/<assignment>/similarity/``.
    assignment : str
    submissions : iterable of Submission
        The assignment's submissions, one per student (unreadable ones are skipped and listed).
    handout_code : str
        The handout as ``.py`` text (:func:`grader.similarity.extract.handout_code`): boilerplate.
    threshold : float or None, optional
        The course config's ``similarity_threshold``; ``None`` for :data:`DEFAULT_THRESHOLD`.
    display_name : callable, optional
        Student id to the name shown (pseudonyms when anonymising); identity by default.
    min_overlap : int, optional
        Fewest matching characters of filtered code for a pair (:data:`MIN_OVERLAP_TOKENS`).
    max_pages : int, optional
        Pages are written for this many pairs at most, the most similar
        (:data:`MAX_PAIR_PAGES`); the index lists every pair.

    Returns
    -------
    SimilaritySummary

    Raises
    ------
    ValueError
        If a submission belongs to another assignment, two are for one student,
        ``threshold`` is not in [0, 1], or two pairs' pages would have the same name.
    OSError
        If a page cannot be written (each is written atomically).

    Notes
    -----
    Pair pages left by an earlier run whose pair is no longer reported (or no
    longer among the first ``max_pages``) are deleted. The filtered code of
    each submission is kept in ``OUT/.grader-cache/similarity/<assignment>/``
    (:mod:`grader.similarity.filtered`), so a later run lexes only code that changed.
    """
    subs = list(submissions)
    for sub in subs:
        if sub.assignment != assignment:
            raise ValueError(f"submission of {sub.student!r} belongs to {sub.assignment!r}, not {assignment!r}")
    used = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    extraction = extract_codes(subs)
    pairs, used = similar_pairs_in_class(extraction.codes, handout_code, used, min_overlap=min_overlap,
                                         cache=cache_folder(out, assignment))
    folder = Path(out) / "reports" / assignment / "similarity"
    names = [pair_page_name(p, display_name) for p in pairs]
    if len(set(names)) != len(names):
        raise ValueError("two pairs of students would share a page name; make the displayed names unique")
    pages = [folder / name for name in names[:max(0, max_pages)]]
    for pair, page in zip(pairs, pages):
        write_text_atomic(page, render_pair(assignment, pair, extraction.codes, display_name))
    index = folder / "index.html"
    write_text_atomic(index, render_index(assignment, pairs, used, len(extraction.codes), extraction.skipped,
                                          display_name, min_overlap=min_overlap, max_pages=max(0, max_pages)))
    _remove_stale(folder, pages)
    return SimilaritySummary(assignment, used, tuple(extraction.codes), dict(extraction.skipped), tuple(pairs),
                             index, tuple(pages))
