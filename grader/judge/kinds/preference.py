"""Check kind of preference optimisation (hw4 problem 2): the gradient of the DPO loss.

======================  =========================================================
kind                    property (contract hw4; problem set ``seeds/003``)
======================  =========================================================
``dpo_loss_gradient``   autograd gradient of mean(losses) of ``dpo_loss`` w.r.t.
                        ``policy_chosen_logps`` = -beta sigmoid(-delta)/N
                        (problem 2(f))
======================  =========================================================
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from grader.calls import PlannedCall
from grader.judge.checks import Case, CheckContext, CheckKind, Verdict
from grader.judge.compare import compare
from grader.judge.expected import float32_tier
from grader.values import ArrayValue, SeqValue

__all__ = ["KINDS", "DPOLossGradient", "dpo_chosen_gradient"]

_LOGPS = ("policy_chosen_logps", "policy_rejected_logps", "reference_chosen_logps", "reference_rejected_logps")


def dpo_chosen_gradient(args: dict[str, Any]) -> np.ndarray:
    """D mean(losses) / d policy_chosen_logps of the DPO loss, in closed form.

    Parameters
    ----------
    args : dict
        The four ``(N,)`` log-probability tensors (nats) of ``dpo_loss`` and
        ``beta`` (float).

    Returns
    -------
    (N,) numpy.ndarray
        -beta sigmoid(-delta) / N, delta = beta (pc - rc) - beta (pr - rr)
        (DPO, arXiv:2305.18290, section 4; hw4 problem 2(f)).
    """
    beta = float(args["beta"])
    pc, pr, rc, rr = (args[k].numpy() for k in _LOGPS)
    delta = beta * (pc - rc) - beta * (pr - rr)
    return np.asarray(-beta * (1.0 / (1.0 + np.exp(delta))) / pc.size)  # sigmoid(-delta)


def _recorded_gradient(extras: dict[str, Any]) -> tuple[Any, str | None]:
    """The gradient the child recorded for policy_chosen_logps, or why there is none."""
    grads: Any = extras.get("grad")
    if "grad_error" in extras:
        return None, (f"losses must be differentiable in torch, but {extras['grad_error']}; compute the "
                      "losses with torch operations, without .detach(), .item() or NumPy")
    if not grads:
        return None, "no gradient was recorded for policy_chosen_logps"
    if grads[0] is None:
        return None, "losses does not depend on policy_chosen_logps (its gradient is None)"
    return grads[0], None


class DPOLossGradient(CheckKind):
    """The autograd gradient of mean(losses) of ``dpo_loss`` w.r.t. ``policy_chosen_logps``.

    Inputs (case ``dpo_pairs``): four ``(N,)`` log-probability tensors (nats)
    and beta (float). The child marks ``policy_chosen_logps`` as requiring a
    gradient and evaluates d mean(losses) / d policy_chosen_logps by
    autograd (``PlannedCall.grad``); the result must equal
    -beta sigmoid(-delta)/N elementwise, delta = chosen_rewards -
    rejected_rewards, within the check's ``rtol``/``atol`` (float32
    accuracy if ``losses`` is float32).

    A ``losses`` tensor without a graph (computed through NumPy, or
    detached) fails this check only, with the child's ``grad_error``; the
    elementwise checks of the values are separate. Source: hw4 problem
    2(f); DPO (arXiv:2305.18290), section 4.
    """

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """Plan the case's calls with ``policy_chosen_logps`` requiring a gradient."""
        calls = super().plan(ctx)
        for call in calls:
            call.requires_grad = (0,)
            call.grad = {"output": 0, "reduce": "mean", "wrt": [0]}
        return calls

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Compare the recorded gradient with -beta sigmoid(-delta)/N."""
        got, why = _recorded_gradient(case.record.extras)
        if why is not None:
            return Verdict.fail(f"{why}.")
        value = case.record.value
        losses = value.items[0] if isinstance(value, SeqValue) and value.items else None
        if isinstance(got, ArrayValue) and isinstance(losses, ArrayValue) and \
                losses.orig_dtype in ("float32", "float16", "bfloat16"):
            got = dataclasses.replace(got, orig_dtype=losses.orig_dtype)
        result = compare(ArrayValue(dpo_chosen_gradient(case.args), "torch", "float64"), got,
                         rtol=ctx.check.rtol, atol=ctx.check.atol,
                         what="d mean(losses) / d policy_chosen_logps", float32=float32_tier(ctx, None))
        notes = [n for n in result.notes if "float32" in n]
        if result.ok:
            return Verdict(True, notes=notes)
        return Verdict(False, ["the gradient should be -beta sigmoid(-delta)/N (problem 2(f)); "
                               + " ".join(result.messages)], notes)


KINDS: dict[str, CheckKind] = {"dpo_loss_gradient": DPOLossGradient()}
