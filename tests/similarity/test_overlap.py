"""Our vectorised overlap gives exactly what copydetect.compare_files gives, on real classes and odd code."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from grader.discover import discover
from grader.similarity import overlap, pairs
from grader.similarity.extract import extract_codes, handout_code

ROOT = Path(__file__).resolve().parents[2]


def _same(ours, theirs) -> bool:
    (o_overlap, o_sims, o_slices), (t_overlap, t_sims, t_slices) = ours, theirs
    return (int(o_overlap) == int(t_overlap) and tuple(map(float, o_sims)) == tuple(map(float, t_sims))
            and all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(o_slices, t_slices)))


@pytest.mark.parametrize("assignment", ["hw1", "hw2", "hw3", "hw4", "quiz1"])
def test_every_pair_of_the_sample_class_matches_copydetect(rubrics, assignment):
    subs = [s for s in discover(ROOT / "submissions", rubrics).submissions if s.assignment == assignment]
    codes = extract_codes(subs).codes
    boilerplate = pairs._boilerplate_hashes(handout_code(rubrics[assignment]), pairs.NOISE_TOKENS)
    prints = overlap.numbered({s: pairs._fingerprint(s, c, boilerplate, pairs.NOISE_TOKENS, None)
                            for s, c in codes.items()})
    compare_files = pairs._copydetect().compare_files
    compared = 0
    for a, b in itertools.combinations(sorted(prints), 2):
        assert _same(overlap.compare_prints(prints[a], prints[b]),
                     compare_files(prints[a].fingerprint, prints[b].fingerprint)), (a, b)
        compared += 1
    assert compared >= 10


CODES = {
    "empty": "",
    "tiny": "x = 1\n",
    "loop": "def f(xs):\n    total = 0\n    for x in xs:\n        total += x * x\n    return total\n",
    "loop_renamed": "def g(values):\n    acc = 0\n    for v in values:\n        acc += v * v\n    return acc\n",
    "repeated": "def f(xs):\n    total = 0\n    for x in xs:\n        total += x * x\n    return total\n" * 3,
    "other": "import math\n\ndef h(a, b):\n    return math.sqrt(a ** 2 + b ** 2) / (1 + abs(a - b))\n",
}


@pytest.mark.parametrize("boilerplate", ["", CODES["loop"]])
def test_odd_pairs_match_copydetect_with_and_without_boilerplate(boilerplate):
    hashes = pairs._boilerplate_hashes(boilerplate, pairs.NOISE_TOKENS)
    prints = overlap.numbered({s: pairs._fingerprint(s, c, hashes, pairs.NOISE_TOKENS, None) for s, c in CODES.items()})
    compare_files = pairs._copydetect().compare_files
    for a, b in itertools.product(sorted(prints), repeat=2):
        assert _same(overlap.compare_prints(prints[a], prints[b]),
                     compare_files(prints[a].fingerprint, prints[b].fingerprint)), (a, b)
    # and it is not trivially equal: a renamed copy overlaps, unrelated code does not
    assert overlap.compare_prints(prints["loop"], prints["loop_renamed"])[0] > 0 or boilerplate
    assert overlap.compare_prints(prints["loop"], prints["other"])[0] == 0


def test_the_pairs_reported_are_those_of_full_comparisons(rubrics):
    """Spans are worked out only for the pairs reported: the same pairs as comparing every pair in full."""
    subs = [s for s in discover(ROOT / "submissions", rubrics).submissions if s.assignment == "hw2"]
    codes = {**extract_codes(subs).codes, **CODES}
    handout = handout_code(rubrics["hw2"])
    boilerplate = pairs._boilerplate_hashes(handout, pairs.NOISE_TOKENS)
    prints = overlap.numbered({s: pairs._fingerprint(s, c, boilerplate, pairs.NOISE_TOKENS, None)
                            for s, c in codes.items()})
    for threshold, min_overlap in [(0.0, 0), (0.3, 1), (pairs.DEFAULT_THRESHOLD, pairs.MIN_OVERLAP_TOKENS)]:
        full = []
        for a, b in itertools.combinations(sorted(codes, key=pairs.natural_key), 2):
            tokens, (sim_a, sim_b), (sa, sb) = overlap.compare_prints(prints[a], prints[b])
            pair = pairs.SimilarPair(a, b, float(sim_a), float(sim_b), int(tokens),
                                     pairs._spans(sa, len(codes[a])), pairs._spans(sb, len(codes[b])))
            if pair.similarity >= threshold and pair.overlap_tokens >= min_overlap:
                full.append(pair)
        full.sort(key=lambda p: (-p.similarity, pairs.natural_key(p.student_a), pairs.natural_key(p.student_b)))
        found, used = pairs.similar_pairs_in_class(codes, handout, threshold, min_overlap=min_overlap, z=None)
        assert used == threshold and found == full
        assert threshold > 0 or (len(found) == len(codes) * (len(codes) - 1) // 2
                                 and any(p.matched_spans_a for p in found))


def _every_pair_compared(codes, boilerplate):
    hashes = pairs._boilerplate_hashes(boilerplate, pairs.NOISE_TOKENS)
    students = sorted(codes, key=pairs.natural_key)
    prints = overlap.numbered({s: pairs._fingerprint(s, codes[s], hashes, pairs.NOISE_TOKENS, None) for s in students})
    return students, prints


@pytest.mark.parametrize("cells", [1, 997, 1 << 21])
def test_the_class_matrix_gives_every_pair_what_the_pair_comparison_gives(rubrics, cells):
    """class_overlaps (one matrix per submission) equals overlap() pair by pair, in any chunking of the rows."""
    subs = [s for s in discover(ROOT / "submissions", rubrics).submissions if s.assignment == "hw2"]
    codes = {**extract_codes(subs).codes, **CODES}
    for boilerplate in ("", handout_code(rubrics["hw2"])):
        students, prints = _every_pair_compared(codes, boilerplate)
        every = overlap.class_overlaps(students, prints, cells=cells)
        assert list(every) == list(itertools.combinations(students, 2))
        for (a, b), (tokens, sims) in every.items():
            theirs = overlap.overlap(prints[a], prints[b])
            assert (tokens, sims) == (int(theirs[0]), tuple(map(float, theirs[1]))), (a, b)
        assert any(0 < o < len(codes[a]) for (a, _), (o, _) in every.items())  # partial overlaps were compared


def test_the_class_matrix_counts_gaps_shorter_than_k_once():
    """Two kept positions closer than k cover their union, not 2k: a sum of k per position would be wrong."""
    students, prints = _every_pair_compared({"a": CODES["loop"], "b": CODES["loop"] + CODES["other"],
                                             "c": CODES["repeated"]}, "")
    every = overlap.class_overlaps(students, prints)
    k = pairs.NOISE_TOKENS
    kept = len(prints["a"].positions)
    assert every[("a", "b")][0] == kept + k - 1 < kept * k  # one run of consecutive positions
    assert every[("a", "b")][1][0] == pytest.approx(1.0)
    assert every[("a", "c")] == (int(overlap.overlap(prints["a"], prints["c"])[0]),
                                 tuple(map(float, overlap.overlap(prints["a"], prints["c"])[1])))
