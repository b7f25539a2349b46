"""Check kinds of the toy Gaussian samplers (hw4 problem 1): exact output laws.

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

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.judge.checks import Case, CheckContext, CheckKind, Verdict
from grader.judge.stats import FALSE_FAILURE, gaussian_test
from grader.values import as_array, describe

__all__ = ["KINDS", "toy_ddpm_output_var", "toy_ddim_output_factor", "DEFAULT_RATIO_RTOL", "ToySamplerParams",
           "ToyDDPMVariance", "ToyDDIMVariance"]

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


class ToySamplerParams(BaseModel):
    """Rubric ``params`` of the toy sampler kinds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rtol: float = Field(DEFAULT_RATIO_RTOL, gt=0, lt=0.1,
                        description="Relative tolerance of the variance-ratio test (deterministic samplers).")


class _ToySampler(CheckKind):
    """Judge each config's ``(N,)`` output on its own; partial credit per config."""

    Params = ToySamplerParams

    def judge_one(self, ctx: CheckContext, case: Case, out: np.ndarray) -> tuple[bool, str]:  # pragma: no cover
        """Whether one config's output ``out`` passes, and the message if not."""
        raise NotImplementedError

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Read the ``(N,)`` output, then :meth:`judge_one`."""
        n = int(case.args["x1"].shape[0])
        arr = as_array(case.record.value)
        if arr is None:
            return Verdict.fail(f"expected a tensor of shape ({n},), got {describe(case.record.value)}.")
        data = arr.data
        if data.size != n or sum(s != 1 for s in data.shape) > 1:
            return Verdict.fail(f"expected shape ({n},), got {tuple(data.shape)}.")
        data = data.reshape(n)
        if not np.all(np.isfinite(data)):
            return Verdict.fail("the output contains NaN or infinite values.")
        ok, text = self.judge_one(ctx, case, data)
        return Verdict(True) if ok else Verdict.fail(f"{text}.")


class ToyDDPMVariance(_ToySampler):
    """``toy_ddpm_sample`` from X_1 ~ N(0, 1) has the exact output law of problem 1(d)-(e).

    Inputs (case ``toy_ddpm_sample``): x1 ``(N,)`` standard normal, sigma2
    (float, data variance), n_steps (int), noise ``(n_steps, N)`` standard
    normal, or ``None`` for the deterministic sampler. Output ``(N,)``.

    * Stochastic: the output is a linear combination of independent
      Gaussians, N(0, sigma2 - sigma2^3/(sigma2+1)^2) exactly for every
      n_steps; standardised, it must pass the mean and chi-square variance
      tests of :func:`grader.judge.stats.gaussian_test` (false failure
      below 1e-6 over all configs of the check).
    * Deterministic: the output is sigma2/(sigma2+1) x1, so the ratio of the
      sample variances of output and x1 must be (sigma2/(sigma2+1))^2 within
      ``params.rtol`` (default :data:`DEFAULT_RATIO_RTOL`); a correct
      implementation never fails.

    A failed or erroring call, a wrong shape, NaN or infinity fails its
    config with the reason. Source: hw4 problem 1(d)-(e); the contract's
    pairing of the two closed forms is reversed (module docstring).
    """

    def judge_one(self, ctx: CheckContext, case: Case, out: np.ndarray) -> tuple[bool, str]:
        """Whether the output passes, and why not."""
        args = case.args
        s = float(args["sigma2"])
        n = int(args["n_steps"])
        x1 = args["x1"].numpy()
        if args["noise"] is None:
            c = s / (s + 1)
            ok, text = _ratio_test(
                out, x1, c * c, self.params(ctx.check).rtol
            )
            return ok, (
                f"With noise=None (sigma2 = {s:.4g}, n_steps = {n}) every step multiplies x by "
                f"(sigma2 + t - dt)/(sigma2 + t); the product telescopes to sigma2/(sigma2+1) = "
                f"{c:.6g}, so Var(output) = (sigma2/(sigma2+1))^2 Var(X_1): {text}"
            )
        var = toy_ddpm_output_var(s, stochastic=True)
        ok, text = gaussian_test(out / math.sqrt(var), FALSE_FAILURE / case.count)
        return ok, (
            f"With noise (sigma2 = {s:.4g}, n_steps = {n}) and X_1 ~ N(0, 1) the output should be "
            f"N(0, sigma2 - sigma2^3/(sigma2+1)^2) = N(0, {var:.6g}) for every n_steps; after "
            f"dividing by sqrt({var:.6g}): {text}"
        )


class ToyDDIMVariance(_ToySampler):
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

    def judge_one(self, ctx: CheckContext, case: Case, out: np.ndarray) -> tuple[bool, str]:
        """Whether the output passes, and why not."""
        args = case.args
        s = float(args["sigma2"])
        n = int(args["n_steps"])
        c = toy_ddim_output_factor(s, n)
        ok, text = _ratio_test(
            out, args["x1"].numpy(), c * c, self.params(ctx.check).rtol
        )
        return ok, (
            f"With sigma2 = {s:.4g} and n_steps = {n} the sampler multiplies X_1 by "
            f"prod_k (1 - eta_k dt/(sigma2 + t_k)) = {c:.8g}, so "
            f"Var(output) = {c * c:.8g} Var(X_1) "
            f"(the dt -> 0 limit sigma2/(sigma2+1) = {s / (s + 1):.6g} is not the law at finite "
            f"n_steps): {text}"
        )


KINDS: dict[str, CheckKind] = {
    "toy_ddpm_variance": ToyDDPMVariance(),
    "toy_ddim_variance": ToyDDIMVariance(),
}
