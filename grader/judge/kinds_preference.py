"""Statistical and property checks of hw4 (the contract's "Statistical checks", hw4).

quiz1 is graded elementwise only: its contract names no statistical check.

======================  =========================================================
kind                    property (contract hw4; problem set ``seeds/003``)
======================  =========================================================
``toy_ddpm_variance``   ``toy_ddpm_sample`` from X_1 ~ N(0, 1): stochastic
                        output ~ N(0, sigma2 - sigma2^3/(sigma2+1)^2) (chi-square
                        and mean test); deterministic output (``noise=None``) =
                        sigma2/(sigma2+1) X_1, so Var(out) = (sigma2/(sigma2+1))^2
                        Var(X_1) (problem 1(d)-(e))
``toy_ddim_variance``   ``toy_ddim_sample`` from X_1 ~ N(0, 1): Var(out) =
                        prod_k (1 - eta_k dt/(sigma2 + t_k))^2 Var(X_1), the
                        exact law of the discrete recursion (problem 1(g)-(h))
``dpo_loss_gradient``   autograd gradient of mean(losses) of ``dpo_loss`` w.r.t.
                        ``policy_chosen_logps`` = -beta sigmoid(-delta)/N
                        (problem 2(f))
======================  =========================================================

Which closed form belongs to which sampler
------------------------------------------
The contract lists the closed forms in the order "(stochastic and
deterministic) ... (sigma2/(sigma2+1))^2 and sigma2 - sigma2^3/(sigma2+1)^2",
which pairs them the wrong way round. The mean factors
(sigma2 + t - dt)/(sigma2 + t) telescope to sigma2/(sigma2+1), so the
*deterministic* sampler returns sigma2/(sigma2+1) X_1, of variance
(sigma2/(sigma2+1))^2. The *stochastic* one adds noise of variance
(sigma2 + t - dt) dt/(sigma2 + t) at time t, which the later factors scale
by sigma2/(sigma2 + t - dt); its contribution sigma2^2 (1/(sigma2 + t - dt)
- 1/(sigma2 + t)) telescopes to sigma2 - sigma2^2/(sigma2+1), and the total
is sigma2 - sigma2^3/(sigma2+1)^2. These kinds use this (right) pairing;
tests/grader/test_checks_hw4.py confirms it by Monte Carlo.

Deterministic samplers
----------------------
The deterministic DDPM and the DDIM sampler return c X_1 for a constant c,
so the sample variance of the output is exactly c^2 times the sample
variance of the X_1 drawn: the ratio of the two is compared with c^2 (the
sampling noise of X_1 cancels, and a correct implementation cannot fail by
chance; ``params.rtol`` absorbs float32 rounding). A chi-square test of the
output alone would only detect errors of c^2 above a few per cent.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from grader.calls import CallRecord, PlannedCall
from grader.judge.checks import CheckContext, CheckKind, CheckResult, Outcome, float32_tier, summarise
from grader.judge.compare import compare
from grader.judge.statistical import FALSE_FAILURE, gaussian_test
from grader.values import ArrayValue, SeqValue, as_array, describe

__all__ = ["KINDS", "toy_ddpm_output_var", "toy_ddim_output_factor", "DEFAULT_RATIO_RTOL"]

#: Relative tolerance of the variance-ratio test of the deterministic samplers.
DEFAULT_RATIO_RTOL = 1e-4


def toy_ddpm_output_var(sigma2: float, stochastic: bool) -> float:
    """Exact output variance of ``toy_ddpm_sample`` from X_1 ~ N(0, 1).

    Parameters
    ----------
    sigma2 : float
        Data variance sigma^2 > 0.
    stochastic : bool
        True for the sampler with noise, False for ``noise=None``.

    Returns
    -------
    float
        sigma2 - sigma2^3/(sigma2+1)^2 (stochastic) or (sigma2/(sigma2+1))^2
        (deterministic), for every n_steps.

    Notes
    -----
    hw4 problem 1(d)-(e); derivation in the module docstring.
    """
    if stochastic:
        return sigma2 - sigma2**3 / (sigma2 + 1) ** 2
    return (sigma2 / (sigma2 + 1)) ** 2


def toy_ddim_output_factor(sigma2: float, n_steps: int) -> float:
    """Return the constant c with ``toy_ddim_sample(x1) = c x1``.

    Parameters
    ----------
    sigma2 : float
        Data variance sigma^2 > 0.
    n_steps : int
        Number of steps >= 1; dt = 1/n_steps.

    Returns
    -------
    float
        prod_k (1 - eta_k dt/(sigma2 + t_k)), t_k = (n_steps - k)/n_steps,
        eta_k = sqrt(t_k)/(sqrt(t_k - dt) + sqrt(t_k)); the output variance
        from X_1 ~ N(0, 1) is its square.

    Notes
    -----
    hw4 problem 1(g)-(h). The problem set's sigma2/(sigma2+1) is only the
    dt -> 0 limit of c^2.
    """
    c = 1.0
    dt = 1.0 / n_steps
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))
        c *= 1.0 - eta * dt / (sigma2 + t)
    return c


def _vector(
    ctx: CheckContext, record: CallRecord, n: int
) -> tuple[np.ndarray | None, Outcome, str]:
    """Return the ``(N,)`` output as float64, or why it cannot be used."""
    bad = CheckKind.failed_call(ctx, record)
    if bad is not None:
        return None, bad[0], bad[1]
    arr = as_array(record.value)
    if arr is None:
        return None, "failed", f"expected a tensor of shape ({n},), got {describe(record.value)}"
    data = arr.data
    if data.size != n or sum(s != 1 for s in data.shape) > 1:
        return None, "failed", f"expected shape ({n},), got {tuple(data.shape)}"
    data = data.reshape(n)
    if not np.all(np.isfinite(data)):
        return None, "failed", "the output contains NaN or infinite values"
    return data, "passed", ""


def _ratio_test(out: np.ndarray, x1: np.ndarray, factor2: float, rtol: float) -> tuple[bool, str]:
    """Compare sum(out^2)/sum(x1^2) with ``factor2`` (relative tolerance ``rtol``)."""
    s_out = float(np.mean(out * out))
    s_x1 = float(np.mean(x1 * x1))
    ratio = s_out / s_x1
    ok = abs(ratio - factor2) <= rtol * abs(factor2)
    text = (
        f"sample variance of the output {s_out:.6g}, of X_1 {s_x1:.6g}: ratio {ratio:.8g}, "
        f"expected {factor2:.8g} (accepted within a relative {rtol:.0e}) over {out.size:,} values"
    )
    return ok, text


class _PerConfig(CheckKind):
    """Judge each config's call on its own; partial credit per config."""

    def judge_one(
        self, ctx: CheckContext, record: CallRecord, alpha: float, out: np.ndarray
    ) -> tuple[bool, str]:  # pragma: no cover
        """Whether one config's output ``out`` passes, and the message if not."""
        raise NotImplementedError

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Score ``points * passed / len(records)``; union bound over the configs."""
        passed = 0
        outcomes: list[Outcome] = []
        messages: list[str] = []
        alpha = FALSE_FAILURE / max(len(records), 1)
        for i, record in enumerate(records):
            label = ctx.label(record.planned, i)
            n = int(record.planned.args["x1"].shape[0])
            out, outcome, why = _vector(ctx, record, n)
            if out is None:
                outcomes.append(outcome)
                messages.append(f"{label}: {why}.")
                continue
            ok, text = self.judge_one(ctx, record, alpha, out)
            outcomes.append("passed" if ok else "failed")
            if ok:
                passed += 1
            else:
                messages.append(f"{label}: {text}.")
        return summarise(ctx, passed, len(records), outcomes, messages, [])


class ToyDDPMVariance(_PerConfig):
    """``toy_ddpm_sample`` from X_1 ~ N(0, 1) has the exact output law of problem 1(d)-(e).

    Inputs (case ``toy_ddpm_sample``): x1 ``(N,)`` standard normal, sigma2
    (float, data variance), n_steps (int), noise ``(n_steps, N)`` standard
    normal, or ``None`` for the deterministic sampler. Output ``(N,)``.

    * Stochastic: the output is a linear combination of independent
      Gaussians, N(0, sigma2 - sigma2^3/(sigma2+1)^2) exactly for every
      n_steps; standardised, it must pass the mean and chi-square variance
      tests of :func:`grader.judge.statistical.gaussian_test` (false failure
      below 1e-6 over all configs of the check).
    * Deterministic: the output is sigma2/(sigma2+1) x1, so the ratio of the
      sample variances of output and x1 must be (sigma2/(sigma2+1))^2 within
      ``params.rtol`` (default :data:`DEFAULT_RATIO_RTOL`); a correct
      implementation never fails.

    A failed or erroring call, a wrong shape, NaN or infinity fails its
    config with the reason. Source: hw4 problem 1(d)-(e); the contract's
    pairing of the two closed forms is reversed (module docstring).
    """

    def judge_one(
        self, ctx: CheckContext, record: CallRecord, alpha: float, out: np.ndarray
    ) -> tuple[bool, str]:
        args = record.planned.args
        s = float(args["sigma2"])
        n = int(args["n_steps"])
        x1 = args["x1"].numpy()
        if args["noise"] is None:
            c = s / (s + 1)
            ok, text = _ratio_test(
                out, x1, c * c, float(ctx.check.params.get("rtol", DEFAULT_RATIO_RTOL))
            )
            return ok, (
                f"With noise=None (sigma2 = {s:.4g}, n_steps = {n}) every step multiplies x by "
                f"(sigma2 + t - dt)/(sigma2 + t); the product telescopes to sigma2/(sigma2+1) = "
                f"{c:.6g}, so Var(output) = (sigma2/(sigma2+1))^2 Var(X_1): {text}"
            )
        var = toy_ddpm_output_var(s, stochastic=True)
        ok, text = gaussian_test(out / math.sqrt(var), alpha)
        return ok, (
            f"With noise (sigma2 = {s:.4g}, n_steps = {n}) and X_1 ~ N(0, 1) the output should be "
            f"N(0, sigma2 - sigma2^3/(sigma2+1)^2) = N(0, {var:.6g}) for every n_steps; after "
            f"dividing by sqrt({var:.6g}): {text}"
        )


class ToyDDIMVariance(_PerConfig):
    """``toy_ddim_sample`` from X_1 ~ N(0, 1) has the exact variance of its discrete recursion.

    Inputs (case ``toy_ddim_sample``): x1 ``(N,)`` standard normal, sigma2
    (float), n_steps (int). Output ``(N,)``. The sampler is c x1 with
    c = :func:`toy_ddim_output_factor`, so the ratio of the sample variances
    of output and x1 must be c^2 = prod_k (1 - eta_k dt/(sigma2 + t_k))^2
    within ``params.rtol`` (default :data:`DEFAULT_RATIO_RTOL`). Neither
    the dt -> 0 limit sigma2/(sigma2+1) nor the eta = 1/2 shortcut of
    problem 1(g) passes. A failed call, wrong shape, NaN or infinity fails
    its config. Source: hw4 problem 1(g)-(h).
    """

    def judge_one(
        self, ctx: CheckContext, record: CallRecord, alpha: float, out: np.ndarray
    ) -> tuple[bool, str]:
        args = record.planned.args
        s = float(args["sigma2"])
        n = int(args["n_steps"])
        c = toy_ddim_output_factor(s, n)
        ok, text = _ratio_test(
            out, args["x1"].numpy(), c * c, float(ctx.check.params.get("rtol", DEFAULT_RATIO_RTOL))
        )
        return ok, (
            f"With sigma2 = {s:.4g} and n_steps = {n} the sampler multiplies X_1 by "
            f"prod_k (1 - eta_k dt/(sigma2 + t_k)) = {c:.8g}, so "
            f"Var(output) = {c * c:.8g} Var(X_1) "
            f"(the dt -> 0 limit sigma2/(sigma2+1) = {s / (s + 1):.6g} is not the law at finite "
            f"n_steps): {text}"
        )


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

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Compare the recorded gradient with -beta sigmoid(-delta)/N."""
        passed = 0
        outcomes: list[Outcome] = []
        messages: list[str] = []
        notes: list[str] = []
        for i, record in enumerate(records):
            label = ctx.label(record.planned, i)
            bad = self.failed_call(ctx, record)
            if bad is not None:
                outcomes.append(bad[0])
                messages.append(f"{label}: {bad[1]}")
                continue
            args = record.planned.args
            beta = float(args["beta"])
            pc, pr, rc, rr = (
                args[k].numpy()
                for k in (
                    "policy_chosen_logps",
                    "policy_rejected_logps",
                    "reference_chosen_logps",
                    "reference_rejected_logps",
                )
            )
            delta = beta * (pc - rc) - beta * (pr - rr)
            expected_grad = -beta * (1.0 / (1.0 + np.exp(delta))) / pc.size  # sigmoid(-delta)
            why = None
            grads: Any = record.extras.get("grad")
            if "grad_error" in record.extras:
                why = (
                    f"losses must be differentiable in torch, but {record.extras['grad_error']}; "
                    f"compute the losses with torch operations, without .detach(), .item() or NumPy"
                )
            elif not grads:
                why = "no gradient was recorded for policy_chosen_logps"
            elif grads[0] is None:
                why = "losses does not depend on policy_chosen_logps (its gradient is None)"
            if why is not None:
                outcomes.append("failed")
                messages.append(f"{label}: {why}.")
                continue
            got = grads[0]
            losses = (
                record.value.items[0]
                if isinstance(record.value, SeqValue) and record.value.items
                else None
            )
            if (
                isinstance(got, ArrayValue)
                and isinstance(losses, ArrayValue)
                and losses.orig_dtype in ("float32", "float16", "bfloat16")
            ):
                got = dataclasses.replace(got, orig_dtype=losses.orig_dtype)
            result = compare(
                ArrayValue(expected_grad, "torch", "float64"),
                got,
                rtol=ctx.check.rtol,
                atol=ctx.check.atol,
                what="d mean(losses) / d policy_chosen_logps",
                float32=float32_tier(ctx, None),
            )
            notes.extend(n for n in result.notes if "float32" in n)
            if result.ok:
                passed += 1
                outcomes.append("passed")
            else:
                outcomes.append("failed")
                messages.append(
                    f"{label}: the gradient should be -beta sigmoid(-delta)/N "
                    f"(problem 2(f)); " + " ".join(result.messages)
                )
        return summarise(ctx, passed, len(records), outcomes, messages, notes)


KINDS: dict[str, CheckKind] = {
    "toy_ddpm_variance": ToyDDPMVariance(),
    "toy_ddim_variance": ToyDDIMVariance(),
    "dpo_loss_gradient": DPOLossGradient(),
}
