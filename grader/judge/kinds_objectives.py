"""Statistical and property checks of hw3.

=========================  ======================================================
kind                       property (contract, hw3)
=========================  ======================================================
``ism_equals_esm``         for data N(0, I), implicit score matching equals
                           explicit score matching E|s(x) + x|^2/2 minus d/2,
                           for several score models (problem 3)
=========================  ======================================================
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import stats
from scipy.optimize import brentq

from grader.calls import CallRecord
from grader.judge.checks import CheckContext, CheckKind, CheckResult, Outcome, count_informative, summarise
from grader.judge.statistical import FALSE_FAILURE, _value_array
from grader.sandbox.fixtures import build

__all__ = ["KINDS", "ISMEqualsESM", "edgeworth_quantile", "ism_esm_terms"]


def edgeworth_quantile(alpha: float, skewness: float, n: int) -> float:
    """Two-sided threshold q for a studentised mean of ``n`` skewed terms.

    Parameters
    ----------
    alpha : float
        Allowed probability that |mean / se| exceeds q for mean-zero terms.
    skewness : float
        Skewness of one term (its estimate; the sign does not matter).
    n : int
        Number of terms.

    Returns
    -------
    float
        q with 2 [Phi(-q) + phi(q) |skewness| (2 q^2 + 1) / (6 sqrt(n))] = alpha:
        the one-term Edgeworth expansion of the studentised mean (Hall 1992,
        "The Bootstrap and Edgeworth Expansion", sec. 2.6) with the
        correction counted in both tails, which is conservative. For
        skewness 0 this is the normal quantile Phi^{-1}(1 - alpha/2).
    """
    c = abs(skewness) / (6.0 * math.sqrt(n))

    def excess(q: float) -> float:
        value: float = 2.0 * (stats.norm.sf(q) + stats.norm.pdf(q) * c * (2 * q * q + 1)) - alpha
        return value

    lo = float(stats.norm.isf(alpha / 2))
    hi = lo
    while excess(hi) > 0:
        hi += 1.0
    return lo if hi == lo else float(brentq(excess, lo, hi))


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

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """z-test of J - (E - d/2) per score model, union bound over the models."""
        K = len(records)
        passed: list[tuple[int, str | None]] = []
        outcomes: list[Outcome] = []
        messages: list[str] = []
        for i, record in enumerate(records):
            label = ctx.label(record.planned, i)
            out, why = _value_array(ctx, record, ())
            if out is None:
                bad = self.failed_call(ctx, record)
                outcomes.append(bad[0] if bad is not None else "failed")
                messages.append(f"{label}: {why}")
                continue
            value = float(out)
            args = record.planned.args
            x = args["x"].numpy()
            N, d = x.shape
            esm, diff = ism_esm_terms(build(args["score_model"]), x)
            target = float(esm.mean()) - d / 2
            se = float(diff.std(ddof=1) / math.sqrt(N))
            q = edgeworth_quantile(FALSE_FAILURE / K, float(stats.skew(diff)), N)
            gap = value - target
            ok = math.isfinite(value) and abs(gap) <= q * se
            if ok:
                # a score model whose ISM is ~0 is passed by a loss of 0 as well
                passed.append((i, "zero" if abs(target) <= q * se else None))
                outcomes.append("passed")
            else:
                outcomes.append("failed")
                messages.append(
                    f"{label}: for data N(0, I) (N = {N:,} samples, d = {d}), implicit score "
                    f"matching should equal explicit score matching E|s(x) + x|^2/2 minus d/2 = "
                    f"{target:.6g} "
                    f"(estimated on the same samples); got {value:.6g}, a difference of {gap:.4g} "
                    f"(accepted within +/-{q * se:.3g}, {q:.2f} standard errors).")
        return summarise(ctx, count_informative(ctx, records, passed, outcomes, messages), K,
                         outcomes, messages, [])


KINDS: dict[str, CheckKind] = {
                               "ism_equals_esm": ISMEqualsESM()}
