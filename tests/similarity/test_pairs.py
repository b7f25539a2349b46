"""similar_pairs: copies are found, independent solutions and the handout are not, both directions, order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from grader.similarity import DEFAULT_THRESHOLD, MIN_OVERLAP_TOKENS, similar_pairs
from tests.similarity.cases import COPIED, HANDOUT, INDEPENDENT, ORIGINAL, PLAIN

CLASS = {"orig": ORIGINAL, "copy": COPIED, "indep": INDEPENDENT, "plain": PLAIN}


def _pairs(codes, boilerplate=HANDOUT, threshold=DEFAULT_THRESHOLD, **kw):
    return {(p.student_a, p.student_b): p for p in similar_pairs(codes, boilerplate, threshold, **kw)}


def test_a_copy_with_renamed_variables_and_reordered_functions_is_the_only_pair():
    pairs = _pairs(CLASS)
    assert list(pairs) == [("copy", "orig")]
    pair = pairs["copy", "orig"]
    assert pair.similarity_a > 0.8 and pair.similarity_b > 0.8
    assert pair.overlap_tokens > 100


def test_independent_solutions_are_far_below_the_threshold():
    everything = _pairs(CLASS, threshold=0.0, min_overlap=0)
    honest = [p.similarity for k, p in everything.items() if k != ("copy", "orig")]
    assert len(honest) == 5
    assert max(honest) < DEFAULT_THRESHOLD - 0.3


def _partial(function: str, body: str) -> str:
    """The handout with one stub replaced by the student's own code (the rest left as given)."""
    stub = f'    raise NotImplementedError("{function}: your code here")'
    assert stub in HANDOUT
    return HANDOUT.replace(stub, body)


PARTIAL = {
    "p1": _partial("softmax", "    e = np.exp(np.asarray(x) - np.max(x))\n    return e / np.sum(e)"),
    "p2": _partial("running_max", "    return list(np.maximum.accumulate(xs))"),
    "p3": _partial("moving_average", "    return [sum(xs[i:i + k]) / k for i in range(len(xs) - k + 1)]"),
    "p4": _partial("gaussian_kl", "    return math.log(s2 / s1) + (s1**2 + (mu1 - mu2)**2) / (2 * s2**2) - 0.5"),
}


def test_without_the_handout_as_boilerplate_partial_submissions_all_look_alike():
    # the counterpart of the next test: what the boilerplate prevents
    assert len(_pairs(PARTIAL, boilerplate="")) == 6


def test_the_handout_in_every_submission_does_not_make_everyone_similar():
    assert _pairs(PARTIAL) == {}
    assert _pairs(CLASS | PARTIAL).keys() == {("copy", "orig")}


def test_a_one_line_submission_sharing_an_idiom_needs_the_minimum_overlap():
    codes = {"indep": INDEPENDENT, "p2": PARTIAL["p2"]}
    pair = _pairs(codes, min_overlap=0)["indep", "p2"]  # its only line is in the other: "65%"
    assert pair.similarity_b >= DEFAULT_THRESHOLD and pair.overlap_tokens < MIN_OVERLAP_TOKENS
    assert _pairs(codes) == {}


def test_an_untouched_handout_is_similar_to_nothing():
    pairs = _pairs({"a": HANDOUT, "b": HANDOUT, "c": ORIGINAL}, threshold=0.0, min_overlap=0)
    assert len(pairs) == 3
    assert all(p.similarity == 0 for p in pairs.values())


def test_both_directions_differ_when_one_submission_holds_more():
    longer = ORIGINAL + INDEPENDENT.replace(HANDOUT.split("def softmax")[0], "").replace("def ", "def other_")
    pair = _pairs({"long": longer, "short": ORIGINAL})["long", "short"]
    assert pair.similarity_b > 0.95  # all of the short one is in the long one
    assert pair.similarity_a < 0.8  # about half of the long one is in the short one
    assert pair.similarity == pair.similarity_b


def test_spans_are_sorted_disjoint_and_cover_the_copied_code():
    pair = _pairs(CLASS)["copy", "orig"]
    for spans, code in ((pair.matched_spans_a, COPIED), (pair.matched_spans_b, ORIGINAL)):
        assert all(0 <= s < e <= len(code) for s, e in spans)
        assert all(e1 < s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))
        matched = "".join(code[s:e] for s, e in spans)
        assert "acc += data[j] - data[j - width]" in matched or "total += xs[i] - xs[i - k]" in matched
        assert "with open(path" not in matched  # the handout's helper is boilerplate


def test_threshold_filters_and_order_is_most_similar_first():
    everything = similar_pairs(CLASS, HANDOUT, 0.0, min_overlap=0)
    assert len(everything) == 6
    sims = [p.similarity for p in everything]
    assert sims == sorted(sims, reverse=True)
    assert similar_pairs(CLASS, HANDOUT, 1.0) == []
    assert [p.student_a for p in similar_pairs({"x": ORIGINAL, "y": ORIGINAL}, HANDOUT, 1.0)] == ["x"]


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_a_threshold_outside_0_1_is_refused(bad):
    with pytest.raises(ValueError, match="threshold"):
        similar_pairs(CLASS, HANDOUT, bad)


_SCRIPT = """
import json, sys
from grader.similarity import similar_pairs
from tests.similarity.cases import COPIED, HANDOUT, INDEPENDENT, ORIGINAL, PLAIN
codes = {"orig": ORIGINAL, "copy": COPIED, "indep": INDEPENDENT, "plain": PLAIN}
print(json.dumps([[p.student_a, p.student_b, p.similarity_a, p.similarity_b, p.overlap_tokens,
                   p.matched_spans_a, p.matched_spans_b] for p in similar_pairs(codes, HANDOUT, 0.0, min_overlap=0)]))
"""


def _in_process_with_hash_seed(seed: str) -> list:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_results_do_not_depend_on_the_string_hash_seed():
    # copydetect hashes k-grams with hash(): every k-gram is kept, so the seed cannot matter
    first, second = _in_process_with_hash_seed("1"), _in_process_with_hash_seed("2")
    assert first == second
    assert len(first) == 6 and first[0][:2] == ["copy", "orig"]
