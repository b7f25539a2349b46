"""Every check of every assignment, both ways.

The reference gets full marks on every check; every catalogued misconception
(reference/misconceptions/) loses credit on its function (a variant that
coincides with the reference on the check inputs would be a bug in the
checks); every check is failed by at least one misconception (a check that no
realistic mistake fails cannot fail); and every function has at least three
catalogued misconceptions. Assignment-specific tests live in
test_checks_<assignment>.py.
"""

from __future__ import annotations

import pytest

from grader.rubric import load_rubrics
from reference.misconceptions import for_function
from tests.conftest import run_check

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RUBRICS = load_rubrics()
FUNCTIONS = [(a, f.name) for a, r in sorted(RUBRICS.items()) for f in r.functions]


def _fn(assignment, function):
    return next(f for f in RUBRICS[assignment].functions if f.name == function)


@pytest.mark.parametrize("assignment, function", FUNCTIONS)
def test_reference_gets_full_marks(assignment, function):
    rubric = RUBRICS[assignment]
    for check in _fn(assignment, function).checks:
        result = run_check(rubric, function, check.name, rubric.reference_function(function))
        assert result.outcome == "passed", (check.name, result.messages)
        assert result.score == result.max_score


@pytest.mark.parametrize("assignment, function", FUNCTIONS)
def test_misconceptions_lose_credit_and_every_check_fails_one(assignment, function):
    rubric = RUBRICS[assignment]
    fn = _fn(assignment, function)
    variants = for_function(assignment, function)
    assert len(variants) >= 3, f"{function}: at least 3 realistic mistakes are catalogued"
    caught = {c.name: False for c in fn.checks}
    for variant in variants:
        total = 0.0
        for check in fn.checks:
            result = run_check(rubric, function, check.name, variant.impl)
            total += result.score
            caught[check.name] |= result.outcome != "passed"
        assert total < fn.points, f"{function}: misconception {variant.name} earned full marks"
    assert all(caught.values()), f"{function}: no misconception fails {[c for c, v in caught.items() if not v]}"


@pytest.mark.parametrize("assignment, function", FUNCTIONS)
def test_misconceptions_are_distinguishable(assignment, function):
    """No two catalogued variants give the same outputs on every check input (a library duplicate)."""
    from grader.judge.checks import CheckContext
    from grader.judge.compare import compare
    from grader.judge.inprocess import records_for
    from grader.judge.kinds import CHECK_KINDS

    rubric = RUBRICS[assignment]
    fn = _fn(assignment, function)
    variants = for_function(assignment, function)
    outputs = {v.name: [] for v in variants}
    for check in fn.checks:
        ctx = CheckContext(assignment, "someone", fn, check, rubric.reference_function(function), str)
        for v in variants:
            outputs[v.name] += records_for(ctx, CHECK_KINDS[check.kind], v.impl)
    names = list(outputs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            same = all(ra.value is not None and rb.value is not None
                       and compare(ra.value, rb.value, rtol=1e-9, atol=1e-12).ok
                       for ra, rb in zip(outputs[a], outputs[b]))
            assert not same, f"{function}: misconceptions {a} and {b} coincide on every check input"
