"""Similarity report: pairs of submissions whose code is unusually similar.

A reason for an instructor to look, never a verdict and never a score: this
package reads submissions and writes HTML pages, and it never reads or
writes result documents.

:mod:`~grader.similarity.extract`
    The code of one submission as one text (a module, or a notebook's code
    cells joined), as :func:`grader.load.load_source` gives it.
:mod:`~grader.similarity.pairs`
    Fingerprints (copydetect's tokenising, k-grams and boilerplate removal)
    and the pairs at or above a threshold.
:mod:`~grader.similarity.render`
    ``reports/<assignment>/similarity/index.html`` and one page per pair;
    :func:`similarity_for_assignment` does the whole job for one assignment.
"""

from __future__ import annotations

from grader.similarity.extract import Extraction, extract_codes, handout_code, submission_code
from grader.similarity.pairs import DEFAULT_THRESHOLD, MIN_OVERLAP_TOKENS, NOISE_TOKENS, SimilarPair, similar_pairs
from grader.similarity.render import (
    INDEX_LINK,
    SimilaritySummary,
    pair_page_name,
    render_index,
    render_pair,
    similarity_for_assignment,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "INDEX_LINK",
    "MIN_OVERLAP_TOKENS",
    "NOISE_TOKENS",
    "Extraction",
    "SimilarPair",
    "SimilaritySummary",
    "extract_codes",
    "handout_code",
    "pair_page_name",
    "render_index",
    "render_pair",
    "similar_pairs",
    "similarity_for_assignment",
    "submission_code",
]
