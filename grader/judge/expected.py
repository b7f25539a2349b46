"""The expected side of a check: reference outputs on a planned call, and the float32 tier.

Grader side only: these run the reference implementation (``reference/``)
on the same inputs the student's function received, normalised exactly
like a student's value (:func:`grader.values.decode_value`), so that the
comparison sees both through one lens.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import torch

from grader.calls import PlannedCall
from grader.judge.checks import CheckContext
from grader.judge.float32 import Float32Tier
from grader.sandbox.codec import to_wire
from grader.sandbox.fixtures import build
from grader.sandbox.protocol import Fixture
from grader.values import Value, decode_value

__all__ = ["materialise", "reference_value", "reference_value_float32", "float32_tier"]


def materialise(args: dict[str, Any]) -> list[Any]:
    """Positional arguments for the reference: tensors copied, fixtures built."""
    out = []
    for value in args.values():
        if isinstance(value, Fixture):
            out.append(build(value))
        else:
            out.append(copy.deepcopy(value))
    return out


def reference_value(ctx: CheckContext, planned: PlannedCall) -> Value:
    """The reference output for a planned call, normalised like a student's."""
    # autograd stays on: some references differentiate internally (exact traces, adjoints)
    result = ctx.reference(*materialise(planned.args))
    return decode_value(to_wire(result))


def _to_float32(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.to(torch.float32)
    if isinstance(value, torch.nn.Module):
        return value.to(torch.float32)
    if isinstance(value, dict):
        return {k: _to_float32(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
        return type(value)(_to_float32(v) for v in value)
    return value


def reference_value_float32(ctx: CheckContext, planned: PlannedCall) -> Value:
    """The reference output with every floating argument cast to float32, normalised.

    An estimate of how far a correct computation done in float32 lands from
    float64 on these inputs (the problem's conditioning), used by the
    float32 tier of the comparison (:class:`grader.judge.float32.Float32Tier`).

    Returns
    -------
    Value
        ``None`` when the reference cannot run in float32 (a fixture that
        insists on float64, integer arithmetic): the tier then uses its
        fixed tolerances only.
    """
    try:
        args = [_to_float32(a) for a in materialise(planned.args)]
        result = ctx.reference(*args)  # autograd on, as in reference_value
        return decode_value(to_wire(result))
    except Exception:  # noqa: BLE001 - a reference may refuse float32 inputs
        return None


def float32_tier(ctx: CheckContext, planned: PlannedCall | None) -> Float32Tier | None:
    """The float32 tier of a check's comparison on one planned call (None if the check is exact).

    With ``planned``, the tier's conditioning term comes from the reference
    run in float32 on that call's inputs (:func:`reference_value_float32`);
    without, for kinds whose expected value is not the reference's output
    (gradients, exact posterior means), only the fixed tolerances apply.
    """
    check = ctx.check
    if not check.float32:
        return None
    tier = Float32Tier(reference32=None if planned is None else (lambda: reference_value_float32(ctx, planned)))
    if check.float32_rtol is not None:
        tier = dataclasses.replace(tier, rtol=check.float32_rtol)
    if check.float32_atol is not None:
        tier = dataclasses.replace(tier, atol=check.float32_atol)
    return tier
