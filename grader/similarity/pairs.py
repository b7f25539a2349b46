"""Pairs of submissions whose code is unusually similar, measured with copydetect.

`copydetect <https://github.com/blingenf/copydetect>`_ (MIT) does the
measuring: :class:`copydetect.CodeFingerprint` tokenises the code with
Pygments' Python lexer and *filters* it (every variable, attribute and
parameter name becomes ``V``, every function name ``F``, every class name
``O``, every string ``S``; comments and whitespace are dropped), hashes its
k-grams (``k`` = :data:`NOISE_TOKENS` characters of filtered code) and removes
the hashes found in the boilerplate (the handout); :func:`copydetect.compare_files`
intersects two fingerprints and gives, for each side, the share of its
fingerprinted tokens found in the other and where they are in the original
text. Renamed variables, changed comments and reordered functions therefore
barely change a similarity; code that only the handout gave everyone is not
counted at all.

Every k-gram is kept (a winnowing window of 1, copydetect's default
``guarantee_t == noise_t``): a pair's numbers then do not depend on which
hashes a window happens to select, i.e. not on Python's per-process string
hash seed, so the same code gives the same pairs in every run.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.results import natural_key
from grader.similarity.filtered import filtered_code, prune
from grader.similarity.overlap import Print, class_overlaps, in_texts, numbered, overlap

__all__ = ["DEFAULT_THRESHOLD", "MIN_OVERLAP_TOKENS", "MIN_PAIRS_FOR_STATISTICS", "NOISE_TOKENS", "UNUSUAL_Z",
           "SimilarPair", "class_threshold", "similar_pairs", "similar_pairs_in_class"]

#: Similarity (0..1, the larger of the two directions) from which a pair is reported.
#: The honest students of the bundled hw2 class reach at most 0.49 (one author wrote
#: them all, from one specification); a copy of one of them with every name changed,
#: the functions reversed and the layout redone (``ast.unparse``) reaches 0.69 to 0.95
#: (tests/similarity/test_hw2_class.py): 0.6 leaves about 0.1 on either side.
DEFAULT_THRESHOLD = 0.6

#: Length of the k-grams fingerprinted, in characters of filtered code (copydetect's
#: default noise threshold): shorter common fragments are never a match.
NOISE_TOKENS = 25

#: A pair is reported only when at least this many characters of filtered code match
#: (about four lines): a nearly empty submission whose one line is a common idiom
#: (``return list(np.maximum.accumulate(xs))``) is "65% similar" to anyone using it,
#: while a copy of even two functions matches more (the copies in tests/similarity
#: match 250, the honest hw2 pairs 300 to 570 at similarities below 0.5).
MIN_OVERLAP_TOKENS = 100

#: Robust z-score a pair must reach against the class's own pairs (:func:`class_threshold`).
#: On the bundled class the most similar honest pair of each assignment lies 1.8 (quiz1) to
#: 2.8 (hw2) robust sigmas above its median (hw3: 5.6, but at 0.43, below the threshold);
#: a disguised copy in hw2 lies 5.1 sigmas above.
UNUSUAL_Z = 3.5
#: Fewest pairs (5 students) for the class statistics to be used; below, the threshold alone.
MIN_PAIRS_FOR_STATISTICS = 10

Span = tuple[int, int]


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions and how much of each is found in the other.

    Attributes
    ----------
    student_a, student_b : str
        Student ids, ``student_a`` first in natural order.
    similarity_a : float
        Share (0..1) of ``student_a``'s fingerprinted code that is also in
        ``student_b``'s (copydetect's similarity of the first file).
    similarity_b : float
        The same for ``student_b``: the two differ when one submission is
        longer than the other.
    overlap_tokens : int
        Characters of filtered code of ``student_a`` that match.
    matched_spans_a, matched_spans_b : tuple of (int, int)
        ``[start, end)`` character offsets of the matching regions in each
        submission's code (as given to :func:`similar_pairs`), sorted, disjoint.
    """

    student_a: str
    student_b: str
    similarity_a: float
    similarity_b: float
    overlap_tokens: int
    matched_spans_a: tuple[Span, ...]
    matched_spans_b: tuple[Span, ...]

    @property
    def similarity(self) -> float:
        """The larger of the two similarities: the one compared with the threshold."""
        return max(self.similarity_a, self.similarity_b)


def _copydetect() -> Any:
    """The copydetect module, imported when first used (it imports matplotlib.pyplot: about a second)."""
    import copydetect  # untyped: pyproject's mypy ignore_missing_imports makes it Any

    return copydetect


def _boilerplate_hashes(boilerplate: str, k: int) -> Any:
    """Every k-gram hash of the boilerplate (copydetect's own way: a window of 1), sorted."""
    if not boilerplate.strip():
        return np.array([], dtype=np.int64)
    fingerprint = _copydetect().CodeFingerprint("boilerplate.py", k, 1, language="python", fp=io.StringIO(boilerplate))
    return np.unique(np.array(sorted(fingerprint.hashes), dtype=np.int64))


def _fingerprint(student: str, code: str, boilerplate: Any, k: int, cache: Path | None) -> Any:
    """The copydetect fingerprint of ``code``, its filtered code lexed once per distinct code (:mod:`.filtered`).

    ``CodeFingerprint(filter=False)`` on the filtered code computes the same
    hashes, positions and token coverage as with ``filter=True`` on the code
    (both hash the filtered text); the text and offsets are then put back.
    """
    filtered, offsets = filtered_code(code, cache)
    fingerprint = _copydetect().CodeFingerprint(f"{student}.py", k, 1, boilerplate=boilerplate, filter=False,
                                                language="python", fp=io.StringIO(filtered))
    fingerprint.raw_code, fingerprint.offsets = code, offsets
    return fingerprint


def _spans(slices: Any, length: int) -> tuple[Span, ...]:
    """The 2 x N slice array of copydetect as sorted, disjoint ``(start, end)`` pairs within the text."""
    array = np.asarray(slices)
    if array.ndim != 2 or array.shape[1] == 0:
        return ()
    spans: list[list[int]] = []
    for start, end in sorted(zip(array[0].tolist(), array[1].tolist())):
        start, end = max(0, min(int(start), length)), max(0, min(int(end), length))
        if end <= start:
            continue
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return tuple((s, e) for s, e in spans)


def _pair(a: str, b: str, codes: Mapping[str, str], prints: Mapping[str, Print],
          found: tuple[int, tuple[float, float], tuple[Any, Any]]) -> SimilarPair:
    """The :class:`SimilarPair` of ``a`` and ``b`` from their :func:`.overlap.overlap` (its spans in the texts)."""
    tokens, (sim_a, sim_b), (slices_a, slices_b) = in_texts(found, prints[a], prints[b])
    return SimilarPair(a, b, float(sim_a), float(sim_b), int(tokens),
                       _spans(slices_a, len(codes[a])), _spans(slices_b, len(codes[b])))


def similar_pairs(submissions_code: Mapping[str, str], boilerplate: str, threshold: float = DEFAULT_THRESHOLD,
                  *, min_overlap: int = MIN_OVERLAP_TOKENS, noise_tokens: int = NOISE_TOKENS,
                  z: float | None = UNUSUAL_Z) -> list[SimilarPair]:
    """Every pair of submissions at least ``threshold`` similar, and unusually so for the class, most similar first.

    Parameters
    ----------
    submissions_code : mapping of str to str
        Student id to the submission's code (:func:`grader.similarity.extract.extract_codes`).
    boilerplate : str
        Code every student was given (the handout as ``.py`` text): its
        k-grams are not counted in any submission ("" for none).
    threshold : float, optional
        Report a pair when the larger of its two similarities is at least
        this (0..1; default :data:`DEFAULT_THRESHOLD`), raised for classes
        whose honest pairs are alike (:func:`class_threshold`).
    min_overlap : int, optional
        ... and at least this many characters of filtered code match (default
        :data:`MIN_OVERLAP_TOKENS`; 0 for none).
    noise_tokens : int, optional
        k-gram length in characters of filtered code (default :data:`NOISE_TOKENS`).
    z : float or None, optional
        Robust z-score against the class's own pairs (:func:`class_threshold`);
        None: the absolute ``threshold`` alone.

    Returns
    -------
    list of SimilarPair
        Sorted by :attr:`SimilarPair.similarity`, largest first, then by the
        two ids in natural order. The same input gives the same list.

    Raises
    ------
    ValueError
        If ``threshold`` is not in [0, 1] or ``noise_tokens`` is below 1.

    Notes
    -----
    With boilerplate, copydetect counts a fragment repeated within one
    submission once (its documented method when boilerplate is removed:
    overlapping tokens over the tokens of unique fingerprints).
    """
    return similar_pairs_in_class(submissions_code, boilerplate, threshold, min_overlap=min_overlap,
                                  noise_tokens=noise_tokens, z=z)[0]


def class_threshold(similarities: Sequence[float], threshold: float, z: float = UNUSUAL_Z) -> float:
    """The similarity a pair must reach in this class: ``threshold``, raised to what is unusual here.

    Short solutions of one specification resemble one another, more in some
    assignments than in others (the bundled hw4's honest students reach 0.71,
    hw2's 0.49). "Unusually similar" is therefore measured against the class's
    own pairs: a pair must also lie ``z`` robust standard deviations above the
    median similarity (``median + z * 1.4826 * MAD``, the median absolute
    deviation scaled to a normal law's sigma).

    Parameters
    ----------
    similarities : sequence of float
        Similarity of every pair of the class (0..1).
    threshold : float
        The absolute threshold (the course config's ``similarity_threshold``).
    z : float, optional
        Robust z-score a pair must reach (default :data:`UNUSUAL_Z`).

    Returns
    -------
    float
        ``threshold`` when there are fewer than :data:`MIN_PAIRS_FOR_STATISTICS`
        pairs (too few to say what is usual), else the larger of the two, at most 1.
    """
    if len(similarities) < MIN_PAIRS_FOR_STATISTICS:
        return threshold
    median = statistics.median(similarities)
    mad = statistics.median(abs(s - median) for s in similarities)
    return min(1.0, max(threshold, median + z * 1.4826 * mad))


def similar_pairs_in_class(submissions_code: Mapping[str, str], boilerplate: str,
                           threshold: float = DEFAULT_THRESHOLD, *, min_overlap: int = MIN_OVERLAP_TOKENS,
                           noise_tokens: int = NOISE_TOKENS, z: float | None = UNUSUAL_Z,
                           cache: Path | None = None) -> tuple[list[SimilarPair], float]:
    """:func:`similar_pairs` and the class threshold it used (:func:`class_threshold`).

    Parameters
    ----------
    submissions_code, boilerplate, threshold, min_overlap, noise_tokens
        As :func:`similar_pairs`.
    z : float or None, optional
        Robust z-score against the class's own pairs (:func:`class_threshold`);
        None: the absolute ``threshold`` alone.
    cache : Path or None, optional
        The class's cache of filtered code (:func:`grader.similarity.filtered.cache_folder`):
        code found there is not lexed again, and entries for code no longer
        in the class are deleted. None: lex everything, keep nothing.

    Returns
    -------
    (list of SimilarPair, float)
        The pairs reported, most similar first, and the threshold applied.

    Raises
    ------
    ValueError
        As :func:`similar_pairs`.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"similarity threshold {threshold!r} is not between 0 and 1")
    if noise_tokens < 1:
        raise ValueError(f"noise_tokens must be at least 1, not {noise_tokens!r}")
    hashes = _boilerplate_hashes(boilerplate, noise_tokens)
    students = sorted(submissions_code, key=natural_key)
    prints = numbered({s: _fingerprint(s, submissions_code[s], hashes, noise_tokens, cache) for s in students})
    if cache is not None:
        prune(cache, submissions_code.values())
    # every pair's overlap and similarities; the slices and spans only for the pairs reported
    every = class_overlaps(students, prints)
    used = threshold if z is None else class_threshold([float(max(f[1])) for f in every.values()], threshold, z)
    found = [_pair(a, b, submissions_code, prints, overlap(prints[a], prints[b]))
             for (a, b), f in every.items() if float(max(f[1])) >= used and f[0] >= min_overlap]
    found.sort(key=lambda p: (-p.similarity, natural_key(p.student_a), natural_key(p.student_b)))
    return found, used
