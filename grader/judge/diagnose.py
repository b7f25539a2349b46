"""Name the mistake behind a wrong function, from its outputs alone.

After a function loses credit, two kinds of evidence name its mistake; nothing
here runs student code.

1. **Properties the checks already prove** (:data:`PROPERTIES`): an input
   modified in place (the sandbox compares every argument before and after
   the call); different outputs for two identical calls (it draws its own
   random numbers); no autograd gradient where the contract needs one
   (detached); the right numbers in a transposed or flattened array; the
   components of a tuple in the wrong order; outputs right to a few digits
   only (every catalogued mistake is at least 100x farther off, see
   :mod:`grader.judge.margins`).
2. **Catalogued misconceptions** (:mod:`reference.misconceptions`), run *in
   the grader* on the inputs of every call the function's checks made
   (randomness is passed in, so every call is deterministic, statistical ones
   included). Matching is by closeness: a variant is named when, on every
   call it applies to, it lands within :data:`CLOSE` times the float32
   tolerance of the student's output (so float32 students and other
   algebra still match) while the reference is at least :data:`FAR` times
   that tolerance away on some call, and no other variant explains the
   outputs as well unless it gives the same outputs (then the first
   catalogued one is named). Anything less certain names nothing: a wrong
   name teaches the wrong lesson.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.calls import CallRecord
from grader.judge.checks import CheckContext
from grader.judge.expected import float32_tier, function_value, reference_value
from grader.judge.margins import case_ratio
from grader.values import ArrayValue, DictValue, SeqValue, Value, as_array
from reference.misconceptions import Misconception, for_function

__all__ = ["CLOSE", "FAR", "PROPERTIES", "Evidence", "name_misconception"]

#: A variant explains a call when it is within CLOSE x the float32 tolerance of the student's output.
CLOSE = 10.0
#: ... and the reference must be at least FAR x the tolerance away on some call (margins are >= 100x).
FAR = 100.0

_CONTRACT = "course contract, conventions"

#: Mistakes named from what the checks observed, not from a catalogued variant.
PROPERTIES: dict[str, dict[str, str]] = {
    "modifies_input_in_place": {
        "title": "An input is modified in place",
        "explanation": "The function changes a tensor it was given (an in-place operation such as "
                       "x *= c, x.add_(...) or an indexed assignment on an argument), so the caller's data "
                       "is corrupted. Compute on a copy or with out-of-place operations.",
        "reference": _CONTRACT + ": inputs must not be modified in place"},
    "draws_own_random_numbers": {
        "title": "Draws its own random numbers",
        "explanation": "Two calls with identical inputs returned different outputs: the function draws "
                       "random numbers itself (torch.randn, np.random) instead of using the noise tensor "
                       "it is given, so it cannot be reproduced or compared.",
        "reference": _CONTRACT + ": randomness is passed in"},
    "detached_from_autograd": {
        "title": "The result is detached from the autograd graph",
        "explanation": "The output carries no gradient back to its inputs (.detach(), .item(), a numpy "
                       "round trip or torch.no_grad()), but the contract requires it to be differentiable "
                       "in torch: training would not update the model.",
        "reference": _CONTRACT + " and the function's table entry (differentiable outputs)"},
    "transposed_output": {
        "title": "The output is transposed",
        "explanation": "The values are right but the axes are swapped: check which axis is the batch "
                       "and which the feature (or sequence) axis in the contract's shapes.",
        "reference": _CONTRACT + ": shapes in the function's table"},
    "reshaped_output": {
        "title": "The output has the right values in the wrong shape",
        "explanation": "The numbers are right but laid out in another shape (flattened, or reshaped); "
                       "return the shape the contract gives.",
        "reference": _CONTRACT + ": shapes in the function's table"},
    "tuple_order": {
        "title": "The returned tuple is in the wrong order",
        "explanation": "Each component is right, but they are returned in another order than the "
                       "contract's (e.g. (var, mean) for (mean, var)).",
        "reference": _CONTRACT + ": the returns column of the function's table"},
    "low_precision": {
        "title": "Right to a few digits only",
        "explanation": "The outputs are close to the right values but less accurate than float32 "
                       "arithmetic allows (float16/bfloat16, an epsilon much larger than 1e-8, a "
                       "finite difference or an approximation where the exact formula is asked).",
        "reference": _CONTRACT + ": float32 accuracy and stabilising epsilons up to 1e-8"},
}


@dataclass
class Evidence:
    """The recorded calls of one check and the context to judge them.

    Attributes
    ----------
    ctx : CheckContext
        The check.
    records : list of CallRecord
        Its calls as the sandbox returned them.
    repeat : list of (CallRecord, CallRecord)
        Pairs of calls with identical inputs (a repeated call), if any.
    """

    ctx: CheckContext
    records: list[CallRecord]
    repeat: list[tuple[CallRecord, CallRecord]] = field(default_factory=list)


@dataclass
class _Call:
    ctx: CheckContext
    record: CallRecord
    expected: Value
    expected32: Value  # the reference in float32: the tolerance's conditioning term
    ref_ratio: float


def _named(name: str) -> dict[str, Any]:
    return {"name": name, **PROPERTIES[name]}


def _ok(record: CallRecord) -> bool:
    return record.outcome.status == "ok" and not record.decode_error


def _calls(evidence: list[Evidence]) -> list[_Call]:
    out = []
    for ev in evidence:
        for record in ev.records:
            if not _ok(record):
                continue
            try:
                expected = reference_value(ev.ctx, record.planned)
            except Exception:  # noqa: BLE001 - cannot happen for planned inputs; skip if it does
                continue
            tier = float32_tier(ev.ctx, record.planned)
            expected32 = tier.reference32() if tier is not None and tier.reference32 is not None else None
            ratio = case_ratio(expected, record.value, ev.ctx.check, tier, expected32)
            out.append(_Call(ev.ctx, record, expected, expected32, ratio))
    return out


def _same(a: Value, b: Value) -> bool:
    """Whether two decoded values hold exactly the same numbers in the same structure."""
    if isinstance(a, ArrayValue) and isinstance(b, ArrayValue):
        return a.data.shape == b.data.shape and bool(np.array_equal(a.data, b.data, equal_nan=True))
    if isinstance(a, SeqValue) and isinstance(b, SeqValue):
        return len(a.items) == len(b.items) and all(_same(x, y) for x, y in zip(a.items, b.items))
    if isinstance(a, DictValue) and isinstance(b, DictValue):
        return a.items.keys() == b.items.keys() and all(_same(a.items[k], b.items[k]) for k in a.items)
    return type(a) is type(b) and a == b


def _transformed(value: Value, expected: Value) -> str | None:
    """Which layout slip makes ``value`` equal to ``expected``: transpose, reshape, tuple order."""
    exp, got = as_array(expected), as_array(value)
    if exp is not None and got is not None and exp.data.shape != got.data.shape and exp.data.size == got.data.size:
        if got.data.ndim == 2 and got.data.T.shape == exp.data.shape and _close(got.data.T, exp.data):
            return "transposed_output"
        if _close(got.data.reshape(exp.data.shape), exp.data):
            return "reshaped_output"
    if isinstance(expected, SeqValue) and isinstance(value, SeqValue) and len(expected.items) == len(value.items):
        n = len(expected.items)
        for perm in itertools.permutations(range(n)):
            if list(perm) == list(range(n)):
                continue
            if all(_close_value(value.items[p], expected.items[i]) for i, p in enumerate(perm)):
                return "tuple_order"
    return None


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-300)
    return bool(np.all(np.abs(a - b) <= 1e-5 * (np.abs(b) + scale)))


def _close_value(a: Value, b: Value) -> bool:
    x, y = as_array(a), as_array(b)
    return x is not None and y is not None and x.data.shape == y.data.shape and _close(x.data, y.data)


def _property(evidence: list[Evidence], calls: list[_Call]) -> str | None:
    records = [r for ev in evidence for r in ev.records]
    if any(_ok(r) and r.outcome.mutated for r in records):
        return "modifies_input_in_place"
    for ev in evidence:
        for first, second in ev.repeat:
            if _ok(first) and _ok(second) and not _same(first.value, second.value):
                return "draws_own_random_numbers"
    for ev in evidence:
        for r in ev.records:
            grads = r.extras.get("grad")
            if _ok(r) and r.planned.grad and (r.extras.get("grad_error") or (
                    isinstance(grads, list) and (not grads or grads[0] is None))):
                return "detached_from_autograd"
    wrong = [c for c in calls if c.ref_ratio > 1]
    if wrong:
        slips = {_transformed(c.record.value, c.expected) for c in wrong}
        if len(slips) == 1 and None not in slips:
            return slips.pop()
    return None


def _variant_ratios(variant: Misconception, calls: list[_Call]) -> list[tuple[float, float]] | None:
    """(variant-to-student ratio, reference-to-student ratio) per call the variant applies to."""
    out = []
    for call in calls:
        try:
            value = function_value(call.ctx, call.record.planned, variant.impl)
        except Exception:  # noqa: BLE001 - a variant may not apply to these inputs
            continue
        tier = float32_tier(call.ctx, call.record.planned)
        out.append((case_ratio(value, call.record.value, call.ctx.check, tier, call.expected32, call.expected),
                    call.ref_ratio))
    return out or None


def name_misconception(assignment: str, function: str, evidence: list[Evidence]) -> dict[str, Any] | None:
    """The mistake that explains every returned output, if one does clearly.

    Parameters
    ----------
    assignment, function : str
        Which contract function.
    evidence : list of Evidence
        The function's checks with their recorded calls (and repeated calls).

    Returns
    -------
    dict or None
        ``name``, ``title``, ``explanation``, ``reference`` of the mistake
        (a catalogued misconception or one of :data:`PROPERTIES`), or
        ``None`` if nothing explains the outputs clearly.
    """
    calls = _calls(evidence)
    prop = _property(evidence, calls)
    if prop is not None:
        return _named(prop)
    if not calls:
        return None
    best: tuple[float, Misconception] | None = None
    runner_up = math.inf  # the closest other variant that also explains the outputs
    for variant in for_function(assignment, function):
        ratios = _variant_ratios(variant, calls)
        if ratios is None:
            continue
        worst = max(v for v, _ in ratios)
        if worst > CLOSE or not any(r >= FAR for _, r in ratios):
            continue
        if best is None or worst < best[0]:
            runner_up = best[0] if best is not None else runner_up
            best = (worst, variant)
        else:
            runner_up = min(runner_up, worst)
    # within float32 accuracy on every call, or the only variant that comes close
    if best is not None and (best[0] <= 1 or runner_up > CLOSE):
        variant = best[1]
        return {"name": variant.name, "title": variant.title,
                "explanation": variant.explanation, "reference": variant.reference}
    worst_ref = max(c.ref_ratio for c in calls)
    if best is None and 1 < worst_ref < FAR:
        return _named("low_precision")
    return None
