"""Check kinds of SDE samplers: the VE increment law and the reverse-SDE marginal (hw1).

===============================  =====================================================
kind                             property (contract, hw1)
===============================  =====================================================
``ve_increment_law``             X_K - X_0 ~ N(0, sigma2[-1] - sigma2[0]) (problem 6)
``reverse_sde_marginal``         with the exact mixture score and 1000 steps the
                                 samples follow p_{t_min}, per lam (problem 7)
===============================  =====================================================

Statistical thresholds fail a correct implementation with probability at
most :data:`~grader.judge.stats.FALSE_FAILURE` over the check's seed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from grader.calls import CallRecord
from grader.judge.checks import Case, CheckContext, CheckKind, Verdict, value_array
from grader.judge.planning import config_value
from grader.judge.stats import FALSE_FAILURE, gaussian_test, ks_critical_value, ks_statistic, mixture_cdf
from reference.sde import ou_coefficients

if TYPE_CHECKING:
    from grader.rubric import Check

__all__ = ["KINDS", "VEIncrementLaw", "ReverseSDEMarginal", "ReverseSDEParams", "MIN_STEPS"]

#: Fewest Euler-Maruyama steps for which the reverse-SDE bias is within ``em_bias``.
MIN_STEPS = 1000


# -- problem 6 ----------------------------------------------------------------------------------
class VEIncrementLaw(CheckKind):
    """``ve_sde_sample``: X_K - X_0 ~ N(0, sigma2[K] - sigma2[0]), independently per sample.

    Inputs (case ``ve_sde_sample``): x0 ``[N]``, sigma2 ``[K+1]``
    non-decreasing with sigma2[0] > 0 (so that mistakes that are exact for
    sigma_0 = 0 are visible), noise ``[K, N]`` standard normal, N a few
    thousand.

    Judge: z = (X_K - x0) / sqrt(sigma2[K] - sigma2[0]) must be i.i.d.
    N(0, 1): :func:`grader.judge.stats.gaussian_test` (mean by a
    normal quantile, sum of squares by the exact chi-square(N) quantiles,
    two-sided, total false failure FALSE_FAILURE). The law is exact for
    the contract's scheme (a sum of independent Gaussian increments) at
    every K. Units: those of x. One config; all or nothing.

    Source: hw1 problem 6, X_t | X_0 ~ N(X_0, sigma_t^2 - sigma_0^2) for
    dX = sqrt(d sigma_t^2/dt) dW (Song et al. 2021, arXiv:2011.13456, eq. 9).
    """

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Standardise the increments and test N(0, 1)."""
        x0 = case.args["x0"].numpy()
        sigma2 = case.args["sigma2"].numpy()
        out, why = value_array(case.record, x0.shape)
        if out is None:
            return Verdict.fail(why)
        var = float(sigma2[-1] - sigma2[0])
        ok, text = gaussian_test((out - x0) / math.sqrt(var), FALSE_FAILURE / case.count)
        if ok:
            return Verdict(True)
        return Verdict.fail(f"the increments X_K - X_0 should be N(0, sigma2[K] - sigma2[0]) = N(0, {var:.4g}); "
                            f"after dividing by sqrt({var:.4g}): {text}.")


# -- problem 7 ----------------------------------------------------------------------------------
class ReverseSDEParams(BaseModel):
    """Rubric ``params`` of ``reverse_sde_marginal``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    em_bias: float = Field(0.003, ge=0, lt=0.1, description="Bound on sup |CDF of the Euler-Maruyama "
                           "output - CDF of p_{t_min}| at the rubric's step count.")


class ReverseSDEMarginal(CheckKind):
    """``reverse_sde_sample`` with the exact score and many steps reproduces p_{t_min}.

    Inputs (case ``reverse_sde_sample``, one call per rubric config, one
    config per lam in {0, 1/2, 1}): a 1-d Gaussian-mixture data set p_0
    (2 components, means in [-2, 2], standard deviations in [0.35, 0.6]),
    its exact score under dX = -X/2 dt + dW (fixture ``ou_mixture_score``),
    x_T ``[N]`` drawn from the exact p_T, K >= 1000 equal steps from T = 2
    to t_min = 0.05, noise ``[K, N]``.

    Judge: the Kolmogorov-Smirnov distance D between the N outputs and
    the exact mixture CDF of p_{t_min} (same weights, component means
    gamma m_k and variances gamma^2 s_k^2 + sigma^2 at t_min) must be at
    most c + ``params.em_bias``, where c is the exact critical value of
    the KS statistic for N samples at FALSE_FAILURE / (number of configs)
    (``scipy.stats.kstwo``, distribution-free) and ``em_bias`` (default
    0.003) bounds sup |CDF of the Euler-Maruyama output - CDF of p_{t_min}|.
    Since D(exact) <= D(EM law) + that gap, a correct sampler fails with
    probability <= 1e-6. Measured gap (exact law of the discrete chain
    propagated on a grid, 15 mixtures across the case's ranges, K = 1000,
    T = 2, t_min = 0.05): at most 8.0e-4 (lam = 0), 6.2e-4 (lam = 1/2),
    5.3e-4 (lam = 1), shrinking as 1/K (6.9e-3 at K = 100), against
    c = 0.062 at N = 2000: the margin 0.003 is ~4x the worst measured
    gap and 5% of c. With few steps the bias is visible, so
    ``plan`` refuses configs with K < 1000. Units: probability (CDF).
    Points are split over the configs (one per lam).

    Source: hw1 problem 7: the reverse SDEs with drift f - (1 - lam/2) g^2
    grad log p_t and diffusion sqrt(1 - lam) g have marginals p_t for every
    lam <= 1 (Song et al. 2021, arXiv:2011.13456, eqs. 6 and 13).
    """

    Params = ReverseSDEParams

    def validate(self, check: Check) -> None:
        """Refuse configs with fewer than :data:`MIN_STEPS` steps or another score than the exact one.

        Raises
        ------
        ValueError
            If a config has K < 1000 or ``score`` other than ``mixture``.
        """
        super().validate(check)
        for config in check.configs:
            if int(config_value(check, config, "K") or 0) < MIN_STEPS or \
                    config_value(check, config, "score") != "mixture":
                raise ValueError(f"needs the exact mixture score (score: mixture) and at least {MIN_STEPS} steps")

    def case_label(self, ctx: CheckContext, records: list[CallRecord], index: int) -> str:
        """Cases are named by their lam."""
        return f"case {index + 1} (lam = {float(records[0].planned.args['lam']):g})"

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """KS distance to the exact p_{t_min}."""
        args = case.args
        out, why = value_array(case.record, args["x_T"].numpy().shape)
        if out is None:
            return Verdict.fail(why)
        if not np.all(np.isfinite(out)):
            return Verdict.fail("the samples contain NaN or infinite values.")
        params = args["score"].params
        w = np.asarray(params["w"], dtype=np.float64)
        w = w / w.sum()
        m = np.asarray(params["means"], dtype=np.float64)
        s = np.asarray(params["stds"], dtype=np.float64)
        t_min = float(args["ts"][-1])
        gamma, sigma = (float(c) for c in ou_coefficients(torch.tensor(t_min, dtype=torch.float64)))
        mu, var = gamma * m, gamma**2 * s**2 + sigma**2
        D = ks_statistic(out, lambda x: mixture_cdf(x, w, mu, var))
        crit = ks_critical_value(out.size, FALSE_FAILURE / case.count)
        em_bias = self.params(ctx.check).em_bias
        if D <= crit + em_bias:
            return Verdict(True)
        mean = float(np.dot(w, mu))
        std = math.sqrt(float(np.dot(w, var + mu**2)) - mean**2)
        return Verdict.fail(
            f"with the exact score and {args['noise'].shape[0]} steps the {out.size:,} samples should follow "
            f"p_t at t_min = {t_min:g} (a Gaussian mixture with mean {mean:.4g} and standard deviation "
            f"{std:.4g}); the samples have mean {out.mean():.4g} and standard deviation {out.std():.4g}, and "
            f"their Kolmogorov-Smirnov distance to p_t is {D:.4f} (accepted up to {crit + em_bias:.4f}: the "
            f"exact critical value {crit:.4f} plus {em_bias:g} for the Euler-Maruyama bias).")


KINDS: dict[str, CheckKind] = {
    "ve_increment_law": VEIncrementLaw(),
    "reverse_sde_marginal": ReverseSDEMarginal(),
}
