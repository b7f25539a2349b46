"""Check kinds of DDIM (hw2 problem 2): the forward marginals and the sampler's exact law.

=====================  ===================================================
kind                   property (contract, hw2)
=====================  ===================================================
``ddim_marginals``     X_t | X_0 ~ N(sqrt(alpha_t) X_0, (1 - alpha_t) I),
                       every t
``ddim_sample_law``    output of the sampler with the exact eps of N(0, v I)
                       data has the exact law of that linear-Gaussian
                       recursion
=====================  ===================================================

Each draws its inputs (data, noise) from the check's seed and tests the
output against the exact law of the discrete procedure, with a
false-failure probability of at most :data:`~grader.judge.stats.FALSE_FAILURE`.
"""

from __future__ import annotations

import math

import numpy as np

from grader.calls import CallRecord
from grader.judge.checks import Case, CheckContext, CheckKind, Verdict, value_array
from grader.judge.stats import FALSE_FAILURE, chi2_variance_range, gaussian_test

__all__ = ["KINDS", "DDIMMarginals", "DDIMSampleLaw", "ddim_linear_gaussian_var"]


class DDIMMarginals(CheckKind):
    """``ddim_forward_process``: standardised X_t - sqrt(alpha_t) x0 is N(0, I) for every t.

    Inputs (case ``ddim_forward_process``): x0 ``[N, d]``, cumulative alphas
    ``[T]``; output ``[T, N, d]``. For each t, z_t = (X_t - sqrt(alpha_t) x0)
    / sqrt(1 - alpha_t) must pass :func:`grader.judge.stats.gaussian_test`
    at FALSE_FAILURE / T (union bound over t). One case, all or nothing;
    a failure plots the variance of z_t against t with its acceptance band.
    Source: hw2 problem 2, the DDIM forward process (Song et al. 2021,
    arXiv:2010.02502, eq. 7 and lemma 1).
    """

    def case_label(self, ctx: CheckContext, records: list[CallRecord], index: int) -> str:
        """A single unnamed case."""
        return ""

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Gaussian mean/variance test per t, union bound over t."""
        x0 = case.args["x0"].numpy()
        alphas = case.args["alphas"].numpy()
        T = alphas.shape[0]
        out, why = value_array(case.record, (T, *x0.shape))
        if out is None:
            return Verdict.fail(why)
        failures = []
        variances = []
        for t in range(1, T + 1):
            a = alphas[t - 1]
            z = (out[t - 1] - math.sqrt(a) * x0) / math.sqrt(1 - a)
            variances.append(float(np.mean(z * z)) if np.all(np.isfinite(z)) else float("nan"))
            ok, text = gaussian_test(z, FALSE_FAILURE / T)
            if not ok:
                failures.append(f"t={t}: (X_t - sqrt(alpha_t) x0) / sqrt(1 - alpha_t) should be "
                                f"N(0, I); {text}.")
        if not failures:
            return Verdict(True)
        from grader.judge.plots import statistic_vs_t

        lo, hi = chi2_variance_range(x0.size, FALSE_FAILURE / T)
        plot = statistic_vs_t(list(range(1, T + 1)), variances, [lo] * T, [hi] * T, 1.0, "variance of z_t",
                              "Standardised X_t | X_0: variance per t (should be 1)")
        return Verdict.fail(" ".join([f"The marginals X_t | X_0 are wrong at {len(failures)} of {T} times."]
                                     + failures[:4]), plot=plot)


def ddim_linear_gaussian_var(alphas: np.ndarray, sigmas: np.ndarray, data_var: float,
                             x_T_var: float = 1.0) -> float:
    """Exact variance of ``ddim_sample``'s output for N(0, v I) data and the exact eps.

    Parameters
    ----------
    alphas : (T,) numpy.ndarray
        Cumulative alphas, ``alphas[t-1]`` = alpha_t.
    sigmas : (T,) numpy.ndarray
        ``sigmas[t-1]`` = sigma_t (``sigmas[0]`` unused).
    data_var : float
        v.
    x_T_var : float
        Variance of each coordinate of the input x_T.

    Returns
    -------
    float
        Variance of each coordinate of x0_hat at t = 1.

    Notes
    -----
    With eps(x, t) = g_t x, g_t = sqrt(1 - a_t) / (a_t v + 1 - a_t), the
    estimate x0_hat = h_t X_t, h_t = (1 - sqrt(1 - a_t) g_t) / sqrt(a_t), and
    X_{t-1} = c_t X_t + sigma_t noise with
    c_t = sqrt(a_{t-1}) h_t + sqrt(1 - a_{t-1} - sigma_t^2) g_t.
    Variances propagate as Var_{t-1} = c_t^2 Var_t + sigma_t^2.
    """
    T = alphas.shape[0]
    var = x_T_var
    h = 0.0
    for t in range(T, 0, -1):
        a = alphas[t - 1]
        g = math.sqrt(1 - a) / (a * data_var + 1 - a)
        h = (1 - math.sqrt(1 - a) * g) / math.sqrt(a)
        if t == 1:
            break
        a_prev = alphas[t - 2]
        s2 = sigmas[t - 1] ** 2
        c = math.sqrt(a_prev) * h + math.sqrt(max(1 - a_prev - s2, 0.0)) * g
        var = c * c * var + s2
    return h * h * var


class DDIMSampleLaw(CheckKind):
    """``ddim_sample`` with the exact Gaussian eps reproduces its exact output law.

    Inputs (case ``ddim_sample`` with the ``gaussian_ddim_eps_model``
    fixture): x_T ``[N, d]``, cumulative alphas ``[T]``, sigmas ``[T]``
    (zero or not). The output divided by the square root of
    :func:`ddim_linear_gaussian_var` must pass
    :func:`grader.judge.stats.gaussian_test` at FALSE_FAILURE. One case,
    all or nothing; a failure plots the histogram against N(0, 1).
    Source: hw2 problem 2, the DDIM sampler (arXiv:2010.02502, eq. 12).
    """

    def case_label(self, ctx: CheckContext, records: list[CallRecord], index: int) -> str:
        """A single unnamed case."""
        return ""

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Standardise by the exact output variance and test N(0, 1)."""
        args = case.args
        out, why = value_array(case.record, args["x_T"].numpy().shape)
        if out is None:
            return Verdict.fail(why)
        var = ddim_linear_gaussian_var(args["alphas"].numpy(), args["sigmas"].numpy(),
                                       float(args["eps_model"].params["data_var"]))
        z = out / math.sqrt(var)
        ok, text = gaussian_test(z, FALSE_FAILURE)
        if ok:
            return Verdict(True)
        from grader.judge.plots import histogram_vs_normal

        sig = "sigma_t = 0" if not args["sigmas"].any() else "sigma_t > 0"
        return Verdict.fail(f"With the exact noise predictor of Gaussian data and {sig}, the output should be "
                            f"N(0, {var:.4g} I); {text}.",
                            plot=histogram_vs_normal(z, f"Output / sqrt({var:.3g}) ({sig})"))


KINDS: dict[str, CheckKind] = {
    "ddim_marginals": DDIMMarginals(),
    "ddim_sample_law": DDIMSampleLaw(),
}
