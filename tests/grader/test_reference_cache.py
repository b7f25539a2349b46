"""The reference outputs of public checks are computed once per process, and only theirs.

Both ways: a cached value equals an uncached computation, a second student's
public reference is served from the cache (the reference runs once), while a
hidden check (inputs per student) runs the reference for every student and
every call; inputs that differ in any way never share an entry, and no caller
can change what the cache holds.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
import torch

from grader.calls import PlannedCall
from grader.judge import expected
from grader.judge.checks import CheckContext
from grader.judge.kinds import CHECK_KINDS
from grader.sandbox.codec import to_wire
from grader.sandbox.protocol import Fixture
from grader.values import ArrayValue, decode_value

FUNCTION = "ddpm_posterior"


@pytest.fixture(autouse=True)
def _empty_cache():
    expected.clear_reference_cache()
    yield
    expected.clear_reference_cache()


class Counting:
    """The reference function, counting its calls (one object: one cache identity)."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.fn(*args)


def _context(rubrics, visibility: str, student: str, reference: Any) -> CheckContext:
    rubric = rubrics["hw2"]
    fn = next(f for f in rubric.functions if f.name == FUNCTION)
    check = next(c for c in fn.checks if c.visibility == visibility and c.kind == "elementwise")
    return CheckContext("hw2", student, fn, check, reference, lambda outcome: "")


def _plan(ctx: CheckContext) -> list[PlannedCall]:
    return CHECK_KINDS[ctx.check.kind].plan(ctx)


def _uncached(ctx: CheckContext, planned: PlannedCall) -> Any:
    fn = getattr(ctx.reference, "fn", ctx.reference)  # uncounted
    return decode_value(to_wire(fn(*expected.materialise(planned.args))))


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, ArrayValue):
        return [value.data]
    return [a for item in getattr(value, "items", ()) for a in _arrays(item)]


def _same(a: Any, b: Any) -> bool:
    xs, ys = _arrays(a), _arrays(b)
    return type(a) is type(b) and len(xs) == len(ys) > 0 and all(
        x.shape == y.shape and np.array_equal(x, y, equal_nan=True) for x, y in zip(xs, ys))


@pytest.fixture
def reference(rubrics) -> Counting:
    return Counting(rubrics["hw2"].reference_function(FUNCTION))


def test_cached_value_equals_an_uncached_computation(rubrics, reference):
    ctx = _context(rubrics, "public", "alice", reference)
    for planned in _plan(ctx):
        first = expected.reference_value(ctx, planned)
        again = expected.reference_value(ctx, planned)
        assert _same(first, _uncached(ctx, planned)) and _same(again, first)
        f32 = expected.reference_value_float32(ctx, planned)
        assert _same(expected.reference_value_float32(ctx, planned), f32)


def test_second_students_public_reference_comes_from_the_cache(rubrics, reference):
    alice, bob = (_context(rubrics, "public", s, reference) for s in ("alice", "bob"))
    calls_a, calls_b = _plan(alice), _plan(bob)
    for planned in calls_a:
        expected.reference_value(alice, planned)
    assert reference.calls == len(calls_a) >= 2
    for planned in calls_b:  # the same inputs, planned again for another student
        expected.reference_value(bob, planned)
    assert reference.calls == len(calls_a)
    expected.reference_value_float32(bob, calls_b[0])
    expected.reference_value_float32(alice, calls_a[0])
    assert reference.calls == len(calls_a) + 1  # the float32 tier is its own entry, computed once


def test_hidden_check_is_never_cached(rubrics, reference):
    alice, bob = (_context(rubrics, "hidden", s, reference) for s in ("alice", "bob"))
    calls_a, calls_b = _plan(alice), _plan(bob)
    assert expected.args_digest(calls_a[0].args) != expected.args_digest(calls_b[0].args)
    values_a = [expected.reference_value(alice, p) for p in calls_a]
    values_b = [expected.reference_value(bob, p) for p in calls_b]
    assert reference.calls == len(calls_a) + len(calls_b)
    assert all(_same(v, _uncached(alice, p)) for v, p in zip(values_a, calls_a))
    assert all(_same(v, _uncached(bob, p)) for v, p in zip(values_b, calls_b))
    assert not _same(values_a[0], values_b[0])  # each student got their own reference
    expected.reference_value(alice, _plan(alice)[0])  # the same inputs planned again: computed again
    assert reference.calls == len(calls_a) + len(calls_b) + 1
    expected.reference_value(alice, calls_a[0])  # the same planned call: its own value, kept on it
    assert reference.calls == len(calls_a) + len(calls_b) + 1


def test_a_value_prefetched_while_the_sandbox_runs_is_the_one_the_judge_gets(rubrics, reference):
    """Hidden inputs: computed once per planned call (prefetch, then judge), shared read-only."""
    ctx = _context(rubrics, "hidden", "alice", reference)
    calls = _plan(ctx)
    CHECK_KINDS[ctx.check.kind].prefetch(ctx, calls)
    computed = reference.calls
    assert computed == len(calls)  # float64 only: the float32 tier's reference waits until a comparison asks
    values = [expected.reference_value(ctx, p) for p in calls]
    assert reference.calls == computed  # the judge's calls found them on the planned calls
    for p in calls:
        expected.reference_value_float32(ctx, p)
        expected.reference_value_float32(ctx, p)
    assert reference.calls == computed + len(calls)  # each float32 reference once, when first asked for
    assert all(_same(v, _uncached(ctx, p)) for v, p in zip(values, calls))
    with pytest.raises(ValueError, match="read-only"):  # shared, so no caller may write into it
        _arrays(values[0])[0][...] = 123.0
    assert _same(expected.reference_value(ctx, calls[0]), _uncached(ctx, calls[0]))


def test_a_returned_value_cannot_be_written_into_so_the_cache_stays_right(rubrics, reference):
    ctx = _context(rubrics, "public", "alice", reference)
    planned = _plan(ctx)[0]
    truth = _uncached(ctx, planned)
    for _ in range(2):  # the value computed (a miss), then one served from the cache (a hit)
        got = expected.reference_value(ctx, planned)
        for array in _arrays(got):
            with pytest.raises(ValueError, match="read-only"):
                array[...] = 12345.0
            changed = array.copy()  # what a caller that needs to change it does
            changed[...] = 12345.0
    assert _same(expected.reference_value(ctx, planned), truth)
    assert reference.calls == 1


def test_changed_inputs_never_hit_a_stale_entry(rubrics, reference):
    ctx = _context(rubrics, "public", "alice", reference)
    planned = _plan(ctx)[0]
    expected.reference_value(ctx, planned)
    args = dict(planned.args)
    name, tensor = next((k, v) for k, v in args.items() if isinstance(v, torch.Tensor) and v.is_floating_point())
    changed = tensor.clone()
    changed.view(-1)[0] += 1e-12
    shifted = PlannedCall({**args, name: changed})
    assert _same(expected.reference_value(ctx, shifted), _uncached(ctx, shifted))
    assert reference.calls == 2


@pytest.mark.parametrize("a, b", [
    (torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float32)),
    (torch.zeros(3), torch.zeros(3, 1)),
    (torch.zeros(2), torch.tensor([0.0, -0.0])),
    (1, 1.0), (1, True), ("1", 1), (None, 0),
    ([1, 2], (1, 2)), ({"a": 1}, {"b": 1}),
    (Fixture("net", {"d": 2}), Fixture("net", {"d": 3})),
    (np.zeros(2), torch.zeros(2, dtype=torch.float64)),
])
def test_the_key_tells_apart_inputs_that_differ_in_any_way(a, b):
    assert expected.args_digest({"x": a}) != expected.args_digest({"x": b})
    assert expected.args_digest({"x": a}) == expected.args_digest({"x": a})
    assert expected.args_digest({"x": a}) != expected.args_digest({"y": a})


def test_values_without_an_exact_fingerprint_are_not_cached():
    assert expected.args_digest({"g": torch.Generator()}) is None
    assert expected.args_digest({"m": torch.nn.Linear(2, 2)}) is None


def test_threads_share_one_cache_safely(rubrics, reference):
    ctx = _context(rubrics, "public", "alice", reference)
    planned = _plan(ctx)
    truth = [_uncached(ctx, p) for p in planned]
    calls_before = reference.calls
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: expected.reference_value(ctx, planned[i % len(planned)]), range(40)))
    assert all(_same(v, truth[i % len(planned)]) for i, v in enumerate(results))
    assert reference.calls - calls_before <= 4 * len(planned)  # at most one per thread and call


def test_a_mistakes_output_on_public_inputs_is_computed_once_and_never_stands_for_the_reference(rubrics, reference):
    """Naming a misconception runs catalogued mistakes on the student's inputs: cached like the reference."""
    def swapped(x_t, x0, betas, t):  # a made-up mistake: x_t and x0 exchanged
        return reference.fn(x0, x_t, betas, t)

    mistake = Counting(swapped)
    alice, bob = (_context(rubrics, "public", s, reference) for s in ("alice", "bob"))
    planned_a, planned_b = _plan(alice)[0], _plan(bob)[0]
    first = expected.function_value(alice, planned_a, mistake)
    assert mistake.calls == 1 and _same(first, decode_value(to_wire(swapped(*expected.materialise(planned_a.args)))))
    assert _same(expected.function_value(bob, planned_b, mistake), first) and mistake.calls == 1
    ref = expected.reference_value(alice, planned_a)  # its own entry: the reference is not the mistake
    assert reference.calls == 1 and not _same(ref, first)
    hidden = _context(rubrics, "hidden", "alice", reference)
    expected.function_value(hidden, _plan(hidden)[0], mistake)
    expected.function_value(hidden, _plan(hidden)[0], mistake)
    assert mistake.calls == 3  # hidden inputs planned again: computed every time
