"""Two copydetect fingerprints compared, vectorised: copydetect's own numbers, without its per-pair loops.

:func:`copydetect.compare_files` finds the positions two fingerprints share
with a Python loop over their common hashes, and a class compares every
pair. Here the hashes of a whole class are numbered once (:func:`numbered`),
a pair's shared positions are an index (:func:`overlap`), and the overlap of
one submission with every other is one matrix (:func:`class_overlaps`). The
results are exactly copydetect's (``tests/similarity/test_overlap.py``
compares them on every pair of the bundled class and on odd code).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Print", "class_overlaps", "compare_prints", "in_texts", "numbered", "overlap"]

#: What :func:`overlap` gives: overlapping tokens of ``a``, both similarities, both slice arrays.
Found = tuple[int, tuple[float, float], tuple[Any, Any]]


def _get_copied_slices() -> Any:
    """:func:`copydetect.utils.get_copied_slices` (copydetect is imported when first used: about a second)."""
    from copydetect.utils import get_copied_slices  # untyped: mypy's ignore_missing_imports makes it Any

    return get_copied_slices


@dataclass(frozen=True)
class Print:
    """A copydetect fingerprint with its hash table as arrays over a class-wide vocabulary of hashes."""

    fingerprint: Any
    ids: np.ndarray  # int64: the class-wide id of the hash at each fingerprinted position
    positions: np.ndarray  # int64: those positions
    present: np.ndarray  # bool, one per id of the class: does this file have that hash


def _hash_table(table: Mapping[int, Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """A fingerprint's ``hash_idx`` (hash -> positions) as int64 arrays: each position's hash, the positions."""
    lengths = np.fromiter(map(len, table.values()), dtype=np.int64, count=len(table))
    hashes = np.repeat(np.fromiter(table.keys(), dtype=np.int64, count=len(table)), lengths)
    positions = np.fromiter(itertools.chain.from_iterable(table.values()), dtype=np.int64, count=int(lengths.sum()))
    return hashes, positions


def numbered(fingerprints: Mapping[str, Any]) -> dict[str, Print]:
    """The fingerprints of one class as :class:`Print`, their hashes numbered over the whole class.

    With one numbering, "the positions of ``a`` whose hash ``b`` also has"
    is the index ``b.present[a.ids]``: no set operation per pair.

    Parameters
    ----------
    fingerprints : mapping of str to copydetect.CodeFingerprint
        Student id -> fingerprint (all with the same ``k``).

    Returns
    -------
    dict of str to Print
        The same keys; ``ids`` and ``positions`` int64 of one length per
        file, ``present`` bool of the class's vocabulary length.
    """
    flat = {s: _hash_table(f.hash_idx) for s, f in fingerprints.items()}
    vocabulary = np.unique(np.concatenate([h for h, _ in flat.values()] + [np.array([], dtype=np.int64)]))
    prints = {}
    for student, (hashes, positions) in flat.items():
        ids = np.searchsorted(vocabulary, hashes).astype(np.int64)
        present = np.zeros(len(vocabulary), dtype=bool)
        present[ids] = True
        prints[student] = Print(fingerprints[student], ids, positions, present)
    return prints


def _offset(slices: Any, offsets: Any) -> Any:
    """Slices of filtered code mapped back to the original text (copydetect's compare_files, verbatim)."""
    if len(offsets) > 0:
        slices += offsets[:, 1][np.clip(np.searchsorted(offsets[:, 0], slices), 0, offsets.shape[0] - 1)]
    return slices


def compare_prints(a: Print, b: Print) -> Found:
    """``copydetect.compare_files(a.fingerprint, b.fingerprint)``, with the same result, vectorised.

    copydetect finds the overlapping positions with a Python loop over the
    common hashes (``np.concatenate([np.array(idx1[i]) for i in intersection])``):
    on a class of 300 near-identical submissions that loop was most of the
    comparison's 30 s. Here the positions whose hash the other file also has
    are selected by indexing with a class-wide numbering of the hashes
    (:func:`numbered`); the rest is copydetect's own code
    (:func:`copydetect.utils.get_copied_slices`) and arithmetic.

    Parameters
    ----------
    a, b : Print
        The two fingerprints (same ``k``), numbered by one call of :func:`numbered`.

    Returns
    -------
    (int, (float, float), (ndarray, ndarray))
        Overlapping tokens of ``a``, both similarities, both slice arrays
        in the original texts: exactly what copydetect returns.

    Raises
    ------
    ValueError
        If the fingerprints use different ``k``.
    """
    return in_texts(overlap(a, b), a, b)


def in_texts(found: Found, a: Print, b: Print) -> Found:
    """An :func:`overlap` with its slices mapped to the original texts (copydetect leaves empty slices as they are).

    Parameters
    ----------
    found : Found
        What :func:`overlap` gave for ``a`` and ``b``.
    a, b : Print
        The two fingerprints it compared (their ``offsets`` map filtered-code
        positions to character offsets of the original code).

    Returns
    -------
    Found
        The same numbers; the 2 x N slice arrays in original-text offsets.
    """
    overlap_a, sims, (slices_a, slices_b) = found
    if not len(slices_a):  # no common hash
        return found
    return overlap_a, sims, (_offset(slices_a, a.fingerprint.offsets), _offset(slices_b, b.fingerprint.offsets))


def overlap(a: Print, b: Print) -> Found:
    """:func:`compare_prints` with the slices still in filtered-code positions (not yet :func:`_offset`).

    Parameters
    ----------
    a, b : Print
        Two fingerprints numbered by one call of :func:`numbered`.

    Returns
    -------
    Found
        Overlapping characters of ``a``'s filtered code (int), the share of
        each side's fingerprinted code found in the other (0..1), and each
        side's 2 x N array of ``[start, end)`` slices of filtered code.

    Raises
    ------
    ValueError
        If the fingerprints use different ``k``.
    """
    fa, fb = a.fingerprint, b.fingerprint
    if fa.k != fb.k:
        raise ValueError("Code fingerprints must use the same noise threshold")
    idx_a = a.positions[b.present[a.ids]]
    if len(idx_a) == 0:
        return 0, (0, 0), (np.array([]), np.array([]))
    idx_b = b.positions[a.present[b.ids]]
    get_slices = _get_copied_slices()
    slices_a, slices_b = get_slices(idx_a, fa.k), get_slices(idx_b, fb.k)
    overlap_a = np.sum(slices_a[1] - slices_a[0])
    overlap_b = np.sum(slices_b[1] - slices_b[0])
    sim_a = overlap_a / fa.token_coverage if len(fa.filtered_code) > 0 else 0
    sim_b = overlap_b / fb.token_coverage if len(fb.filtered_code) > 0 else 0
    return overlap_a, (sim_a, sim_b), (slices_a, slices_b)


def class_overlaps(students: Sequence[str], prints: Mapping[str, Print],
                   cells: int = 1 << 21) -> dict[tuple[str, str], tuple[int, tuple[float, float]]]:
    """The overlap and both similarities of every pair of ``students``: :func:`overlap` without the slices.

    The class threshold needs every pair's similarity, the slices only the
    pairs reported. :func:`overlap` costs 40-60 us of NumPy calls per pair:
    1.7-2.7 s for the 44,850 pairs of a class of 300 (the bench's hw2 copies),
    against 0.7-0.8 s here, where the overlap of one submission ``a`` with
    every other is worked out at once: with ``a``'s
    fingerprinted positions sorted, ``S[b, j]`` says whether ``b`` has the hash
    at ``a``'s ``j``-th position; copydetect's overlap (the length of the union
    of the intervals ``[p, p + k)`` of the positions kept,
    :func:`copydetect.utils.get_copied_slices`) is the sum over kept positions
    of ``min(k, next kept position - p)``, the last one counting ``k``.

    Parameters
    ----------
    students : sequence of str
        The ids to pair, in the order pairs are keyed (``(a, b)`` with ``a`` first).
    prints : mapping of str to Print
        Their fingerprints, numbered by one call of :func:`numbered` (same ``k``).
    cells : int, optional
        Largest boolean matrix formed at once (rows of other submissions are
        taken in chunks under it), bounding the memory used.

    Returns
    -------
    dict
        ``(a, b)`` -> ``(overlap of a, (similarity of a, similarity of b))``
        for every pair of :func:`itertools.combinations` of ``students``,
        equal to what :func:`overlap` gives for it.
    """
    n = len(students)
    if n < 2:
        return {}
    k = prints[students[0]].fingerprint.k
    present = np.stack([prints[s].present for s in students])
    tokens = np.zeros((n, n), dtype=np.int64)  # tokens[i, j]: characters of i found in j
    for i, student in enumerate(students):
        a = prints[student]
        order = np.argsort(a.positions, kind="stable")
        positions, ids = a.positions[order], a.ids[order]
        if len(positions) == 0:
            continue
        far = int(positions[-1]) + k + 1  # "no kept position after this one"
        dtype = np.int32 if far < 2**31 else np.int64  # half the memory traffic of int64
        positions = positions.astype(dtype)
        rows = max(1, cells // len(positions))
        for start in range(0, n, rows):
            kept = np.take(present[start:start + rows], ids, axis=1)
            after = np.full(kept.shape, far, dtype=dtype)  # after[:, j]: position j + 1 where kept, else far
            np.copyto(after[:, :-1], positions[1:], where=kept[:, 1:])
            after = np.minimum.accumulate(after[:, ::-1], axis=1)[:, ::-1]  # first kept position after j
            gaps = np.minimum(after - positions, k)
            tokens[i, start:start + len(kept)] = np.sum(gaps, axis=1, where=kept, dtype=np.int64)
    coverage = np.array([prints[s].fingerprint.token_coverage for s in students], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = np.where(tokens > 0, tokens / coverage[:, None], 0.0).tolist()
    counts = tokens.tolist()
    return {(students[i], students[j]): (counts[i][j], (similarity[i][j], similarity[j][i]))
            for i, j in itertools.combinations(range(n), 2)}
