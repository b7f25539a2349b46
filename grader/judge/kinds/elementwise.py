"""The elementwise kind: every output compared with the reference on seeded inputs.

Most contract functions are graded this way: one sandbox call per rubric
config, each output component compared with the reference's output on the
same inputs, in the float64 tier (the check's ``rtol``/``atol``) or the
float32 tier (:class:`grader.judge.float32.Float32Tier`, with a note).
Its calls also serve to name a misconception (:mod:`grader.judge.diagnose`).
"""

from __future__ import annotations

import torch

from grader.calls import CallRecord, PlannedCall
from grader.judge.checks import Case, CheckContext, CheckKind, Verdict
from grader.judge.compare import compare
from grader.judge.expected import float32_tier, reference_value
from grader.judge.trivial import trivial_match

__all__ = ["Elementwise", "time_shift", "KINDS"]


def time_shift(ctx: CheckContext, record: CallRecord) -> str | None:
    """If the output equals the reference at t - 1 or t + 1, say so (an off-by-one in time).

    Parameters
    ----------
    ctx : CheckContext
    record : CallRecord
        A call whose output failed the comparison.

    Returns
    -------
    str or None
        A sentence for the student, or ``None``. Applies to functions with
        an argument named ``t`` holding integer steps (a Python int or an
        int64 tensor); shifts that leave 1..T are skipped.
    """
    t = record.planned.args.get("t")
    integer = isinstance(t, int) or (isinstance(t, torch.Tensor) and not t.is_floating_point())
    if not integer or t is None or record.value is None:
        return None
    for step in (-1, 1):
        args = dict(record.planned.args, t=t + step)
        try:
            shifted = reference_value(ctx, PlannedCall(args))
        except Exception:  # noqa: BLE001 - outside 1..T
            continue
        if compare(shifted, record.value, rtol=max(ctx.check.rtol, 1e-6), atol=max(ctx.check.atol, 1e-9),
                   names=ctx.function.returns).ok:
            sign = "-" if step < 0 else "+"
            return (f"The output equals the correct formula evaluated at t {sign} 1: an off-by-one "
                    "in the time index.")
    return None


class Elementwise(CheckKind):
    """Compare every output with the reference on seeded inputs (one call per config).

    A case passes when every output component is within the float64 or the
    float32 tier. A case on which a trivial output (zeros, ones, an input
    handed back) is already right counts only together with a passed
    informative case of the same check
    (:func:`grader.judge.trivial.trivial_match`; contract: no
    point-carrying check is passed by a trivial output). A failed case
    whose output is the reference at t - 1 or t + 1 says so
    (:func:`time_shift`).
    """

    def prefetch(self, ctx: CheckContext, calls: list[PlannedCall]) -> None:
        """While the sandbox runs ``calls``: the reference's outputs, kept on them.

        Called by :func:`grader.planning.prefetch`; the judge then finds them
        on each planned call (:attr:`grader.calls.PlannedCall.expected`). The
        float32 reference of the tier is left to the judge: the comparison
        asks for it only where the float64 tier fails or the output is
        float32, and the sandbox's calls are usually done before it would be.
        """
        for planned in calls:
            reference_value(ctx, planned)

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Compare the case's output with the reference's on the same inputs."""
        record = case.record
        expected = reference_value(ctx, record.planned)
        result = compare(expected, record.value, rtol=ctx.check.rtol, atol=ctx.check.atol,
                         names=ctx.function.returns, float32=float32_tier(ctx, record.planned))
        if result.ok:
            return Verdict(True, notes=result.notes, trivial=trivial_match(expected, record.planned.args))
        shift = time_shift(ctx, record)
        return Verdict(False, result.messages + ([shift] if shift else []), result.notes)


KINDS: dict[str, CheckKind] = {"elementwise": Elementwise()}
