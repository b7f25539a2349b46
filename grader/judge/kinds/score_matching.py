"""Check kinds of score matching: Tweedie's formula, denoising and implicit score matching.

===============================  =====================================================
kind                             property (contract)
===============================  =====================================================
``tweedie_exact_posterior``      y + Sigma score(y) equals the exact posterior mean
                                 of a Gaussian-mixture prior (hw1 problem 1)
``dsm_gap``                      with lam = sigma_t^2, L(m) - L(0) = m^2 (hw2
                                 problem 3(d))
``ism_equals_esm``               for data N(0, I), implicit score matching equals
                                 explicit score matching E|s(x) + x|^2/2 minus d/2,
                                 for several score models (hw3 problem 3)
===============================  =====================================================

Statistical thresholds fail a correct implementation with probability at
most :data:`~grader.judge.stats.FALSE_FAILURE` over the check's seed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from grader.calls import CallRecord, PlannedCall
from grader.judge.checks import Case, CheckContext, CheckKind, Verdict, value_array
from grader.judge.compare import compare
from grader.judge.expected import float32_tier
from grader.judge.kinds.elementwise import Elementwise
from grader.judge.stats import FALSE_FAILURE, edgeworth_quantile, normal_isf, skewness
from grader.sandbox.codec import to_wire
from grader.sandbox.fixtures import build
from grader.sandbox.protocol import Fixture
from grader.values import decode_value
from reference.sde import ou_coefficients

__all__ = ["KINDS", "mixture_posterior_mean", "ism_esm_terms", "TweedieExactPosterior", "DSMGap",
           "ISMEqualsESM"]


# -- hw1 problem 1 ------------------------------------------------------------------------------
def mixture_posterior_mean(params: dict[str, Any], y: torch.Tensor) -> torch.Tensor:
    """Exact E[X | Y = y] for the prior of a ``noisy_mixture_score`` fixture, from its description.

    Parameters
    ----------
    params : dict
        The fixture's JSON parameters (:class:`~grader.sandbox.protocol.Fixture`
        ``params``): ``w`` (K positive weights, normalised here), ``means``
        ``[K, d]``, ``covs`` ``[K, d, d]`` and ``Sigma`` ``[d, d]``.
    y : (N, d) torch.Tensor
        Observations, float64.

    Returns
    -------
    (N, d) torch.Tensor
        float64, sum_k r_k(y) (m_k + C_k (C_k + Sigma)^{-1} (y - m_k)) with
        r_k(y) proportional to w_k N(y; m_k, C_k + Sigma) (log-sum-exp):
        for X ~ sum_k w_k N(m_k, C_k) and Y = X + Z, Z ~ N(0, Sigma), the
        posterior of X given Y = y is the mixture of these Gaussian
        posteriors with weights r_k(y).

    Raises
    ------
    ValueError
        If some C_k + Sigma is not positive definite.

    Notes
    -----
    Grader side only: computed from the description, without the score and
    without Tweedie's formula, never from the object the student received
    (which offers only its score, fixture ``noisy_mixture_score``).
    Same arithmetic as that fixture's responsibilities.
    """
    weights = torch.tensor(params["w"], dtype=torch.float64)
    log_w = (weights / weights.sum()).log()
    means = torch.tensor(params["means"], dtype=torch.float64)
    covs = torch.tensor(params["covs"], dtype=torch.float64)
    chol, info = torch.linalg.cholesky_ex(covs + torch.tensor(params["Sigma"], dtype=torch.float64))
    if bool((info != 0).any()):
        raise ValueError("C_k + Sigma must be positive definite for every component")
    precisions = torch.cholesky_inverse(chol)  # (C_k + Sigma)^{-1}
    log_dets = 2 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)
    diff = y[:, None, :] - means  # [N, K, d]
    prec_diff = torch.einsum("kij,nkj->nki", precisions, diff)
    maha = (diff * prec_diff).sum(-1)  # [N, K]
    r = torch.softmax(log_w - 0.5 * log_dets - 0.5 * maha, dim=1)
    shrunk = torch.einsum("kij,nkj->nki", covs, prec_diff)  # C_k (C_k + Sigma)^{-1} (y - m_k)
    return (r[:, :, None] * (means + shrunk)).sum(1)


class TweedieExactPosterior(Elementwise):
    """``tweedie_posterior_mean`` equals the exact posterior mean of a Gaussian-mixture prior.

    Inputs (one call per rubric config, case ``tweedie_posterior_mean``):
    y ``[N, d]`` drawn from p_Y for X ~ sum_k w_k N(m_k, C_k) and
    Z ~ N(0, Sigma), Sigma ``[d, d]`` SPD, and ``score`` the exact
    grad log p_Y (fixture ``noisy_mixture_score``).

    Judge: the grader computes E[X | Y = y] directly from the mixture
    posterior, sum_k r_k(y) (m_k + C_k (C_k + Sigma)^{-1} (y - m_k)) with
    r_k(y) proportional to w_k N(y; m_k, C_k + Sigma), without the score
    and without Tweedie's formula, from the fixture's description
    (:func:`mixture_posterior_mean`; the object the student gets offers
    only the score), and compares the student's ``[N, d]``
    output elementwise with the check's ``rtol``/``atol``. Given the exact
    score the identity is exact, so this is deterministic (no false
    failures beyond rounding). Units: those of y. Points are split over
    the configs. Errors, timeouts and in-place changes fail a case. An
    :class:`~grader.judge.checks.Elementwise` kind, so its calls also serve
    to name a misconception.

    Source: hw1 problem 1, E[X | Y] = Y + Sigma grad log p_Y(Y) (Efron 2011,
    "Tweedie's formula and selection bias", JASA 106).
    """

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Compare with the mixture posterior mean."""
        with torch.no_grad():
            exact = mixture_posterior_mean(case.args["score"].params, case.args["y"])
        result = compare(decode_value(to_wire(exact)), case.record.value, rtol=ctx.check.rtol,
                         atol=ctx.check.atol, what="posterior mean", float32=float32_tier(ctx, None))
        if result.ok:
            return Verdict(True, notes=result.notes)
        return Verdict(False, ["compared with the exact posterior mean E[X | Y = y] of the "
                               "Gaussian-mixture prior (computed without the score): "
                               + " ".join(result.messages)], result.notes)


# -- hw2 problem 3(d) ---------------------------------------------------------------------------
class DSMGap(CheckKind):
    """``dsm_loss``: L(s_m) - L(s_exact) = m^2 when lam = sigma_t^2 (hw2 problem 3(d)).

    Inputs (case ``dsm_loss`` with ``model: linear``, ``lam: sigma2``): x0,
    t, eps ``[N]`` and the eps model of s = m x / sigma_t + grad log p_t
    (fixture ``ou_linear_eps_model``); a second call on the same inputs
    with m = 0 (the exact score). One case made of the two calls.

    Judge: with x_t = gamma_t x0 + sigma_t eps (the OU kernel,
    :func:`reference.sde.ou_coefficients`), the per-sample loss difference
    is m^2 x_t^2 - 2 m x_t (sigma_t x_t - eps), of mean m^2; the measured
    difference of the two losses must be within q standard errors of m^2,
    q the normal quantile at FALSE_FAILURE (two-sided). Units: loss values.
    """

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """The same (x0, t, eps, lam) with eps models for m and for m = 0."""
        (call,) = super().plan(ctx)
        exact = dict(call.args, eps_model=Fixture("ou_linear_eps_model", {"m": 0.0}))
        return [call, PlannedCall(exact, call.label)]

    def cases(self, ctx: CheckContext, records: list[CallRecord]) -> list[list[CallRecord]]:
        """Both calls form one case."""
        return [records]

    def case_label(self, ctx: CheckContext, records: list[CallRecord], index: int) -> str:
        """A single unnamed case."""
        return ""

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """z-test of the loss difference against m^2 with the per-sample standard error."""
        values = []
        for record in case.records:
            out, why = value_array(record, ())
            if out is None:
                return Verdict.fail(why)
            values.append(float(out))
        args = case.args
        m = float(args["eps_model"].params["m"])
        x0, t, eps = (args[k].numpy() for k in ("x0", "t", "eps"))
        gamma, sigma = (c.numpy() for c in ou_coefficients(torch.as_tensor(t)))
        x_t = gamma * x0 + sigma * eps
        per_sample = m * m * x_t**2 - 2 * m * x_t * (sigma * x_t - eps)
        se = float(per_sample.std(ddof=1) / math.sqrt(per_sample.size))
        q = normal_isf(FALSE_FAILURE / 2)
        gap = values[0] - values[1]
        if math.isfinite(gap) and abs(gap - m * m) <= q * se:
            return Verdict(True)
        return Verdict.fail(f"With lam = sigma_t^2 the loss of s = m x/sigma_t + grad log p_t minus the "
                            f"loss of the exact score should be m^2 = {m * m:.4g}; measured {gap:.4g} "
                            f"(accepted within +/-{q * se:.3g}, {q:.2f} standard errors).")


# -- hw3 problem 3 ------------------------------------------------------------------------------
def ism_esm_terms(score_model: torch.nn.Module, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample explicit score-matching terms and ISM - (ESM - d/2) differences.

    Parameters
    ----------
    score_model : callable
        s, ``[N, d] -> [N, d]`` row by row, differentiable in its input.
    x : (N, d) numpy.ndarray
        Samples of N(0, I).

    Returns
    -------
    esm : (N,) numpy.ndarray
        |s(x_n) + x_n|^2 / 2: explicit score matching against the exact
        score -x of N(0, I).
    diff : (N,) numpy.ndarray
        tr(ds/dx)(x_n) + |s(x_n)|^2/2 - esm_n + d/2 = tr(ds/dx)(x_n) -
        s(x_n).x_n - |x_n|^2/2 + d/2, whose expectation is 0 by Stein's
        identity E[tr ds/dx] = E[s(X).X] (hw3 problem 3, integration by parts).

    Notes
    -----
    The trace is exact: one backward pass per coordinate (d <= 8).
    """
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    with torch.enable_grad():
        s = score_model(xt)
        trace = torch.zeros(x.shape[0], dtype=torch.float64)
        for i in range(x.shape[1]):
            (grad,) = torch.autograd.grad(s[:, i].sum(), xt, retain_graph=True, allow_unused=True)
            if grad is not None:
                trace = trace + grad[:, i]
    s_np = s.detach().numpy()
    tr = trace.detach().numpy()
    esm = 0.5 * np.sum((s_np + x) ** 2, axis=1)
    diff = tr + 0.5 * np.sum(s_np**2, axis=1) - esm + 0.5 * x.shape[1]
    return esm, diff


class ISMEqualsESM(CheckKind):
    """``implicit_score_matching_loss`` on x ~ N(0, I) equals ESM - d/2 (hw3 problem 3).

    One call per rubric config, each with its own score model (``model`` of
    the case: ``mlp``, ``mlp_big``, ``linear``, ``exact``) and its own sample
    x ``[N, d]`` ~ N(0, I), N a few thousand, d <= 8.

    Judge: with the student's value J (0-dim), the grader computes on the
    same x the explicit score-matching estimate E = mean_n |s(x_n) + x_n|^2/2
    and the per-sample differences D_n = tr(ds/dx)(x_n) + |s(x_n)|^2/2 -
    |s(x_n) + x_n|^2/2 + d/2 (exact trace, autograd). For a correct J,
    J - (E - d/2) = mean_n D_n has mean 0 and standard error
    se = std(D) / sqrt(N). A case passes when |J - (E - d/2)| <= q se, with
    q from :func:`edgeworth_quantile` at alpha = FALSE_FAILURE / K for K
    cases (union bound) and the measured skewness of D (D is
    chi-square-like, skewness up to about 2, so the plain normal quantile
    would understate the tail a few-fold at this level). Units: loss values
    (squared score units). Points are split evenly over the cases. A call
    that errs, times out, or returns anything but one finite number (any
    shape with one element) fails its case.

    Source: hw3 problem 3 (Hyvarinen 2005, theorem 1): for p = N(0, I),
    E[tr ds/dx + |s|^2/2] = E[|s - grad log p|^2/2] - E[|grad log p|^2/2]
    with grad log p(x) = -x and E|x|^2/2 = d/2.
    """

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """z-test of J - (E - d/2) for one score model, union bound over the models."""
        out, why = value_array(case.record, ())
        if out is None:
            return Verdict.fail(why)
        value = float(out)
        x = case.args["x"].numpy()
        N, d = x.shape
        esm, diff = ism_esm_terms(build(case.args["score_model"]), x)
        target = float(esm.mean()) - d / 2
        se = float(diff.std(ddof=1) / math.sqrt(N))
        q = edgeworth_quantile(FALSE_FAILURE / case.count, skewness(diff), N)
        gap = value - target
        if math.isfinite(value) and abs(gap) <= q * se:
            # a score model whose ISM is ~0 is passed by a loss of 0 as well
            return Verdict(True, trivial="zero" if abs(target) <= q * se else None)
        return Verdict.fail(f"for data N(0, I) (N = {N:,} samples, d = {d}), implicit score matching "
                            f"should equal explicit score matching E|s(x) + x|^2/2 minus d/2 = "
                            f"{target:.6g} (estimated on the same samples); got {value:.6g}, a "
                            f"difference of {gap:.4g} (accepted within +/-{q * se:.3g}, {q:.2f} "
                            f"standard errors).")


KINDS: dict[str, CheckKind] = {
    "tweedie_exact_posterior": TweedieExactPosterior(),
    "dsm_gap": DSMGap(),
    "ism_equals_esm": ISMEqualsESM(),
}
