"""Statistical checks named by the contract, with a stated false-failure rate.

Each check draws its inputs (data, noise) from the check's seed, lets the
student's function transform them, and tests the output against the exact
law of the discrete procedure the contract defines. Thresholds come from
exact quantiles (scipy) with a union bound, so a correct implementation
fails with probability at most :data:`FALSE_FAILURE` over the seed.

=====================  ===================================================
kind                   property (contract, hw2)
=====================  ===================================================
``ddim_marginals``     X_t | X_0 ~ N(sqrt(alpha_t) X_0, (1 - alpha_t) I),
                       every t (problem 2)
``ddim_sample_law``    output of the sampler with the exact eps of N(0, v I)
                       data has the exact law of that linear-Gaussian
                       recursion
``dsm_gap``            with lam = sigma_t^2, L(m) - L(0) = m^2 (problem 3(d))
=====================  ===================================================
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from grader.calls import CallRecord, PlannedCall
from grader.judge.checks import CheckContext, CheckKind, CheckResult, Outcome, summarise
from grader.values import as_array, describe

__all__ = ["FALSE_FAILURE", "KINDS", "gaussian_test"]

#: Largest probability that a statistical check fails a correct implementation.
FALSE_FAILURE = 1e-6


def gaussian_test(z: np.ndarray, alpha: float) -> tuple[bool, str]:
    """Test that the entries of ``z`` are i.i.d. N(0, 1): mean and variance.

    Parameters
    ----------
    z : numpy.ndarray
        Standardised samples (any shape, n entries).
    alpha : float
        Total false-failure probability of the two tests together.

    Returns
    -------
    (bool, str)
        Whether both tests pass, and a sentence with the measured statistics
        and their acceptance ranges.

    Notes
    -----
    Mean: sum(z) / sqrt(n) ~ N(0, 1), two-sided at alpha/2. Variance:
    sum(z^2) ~ chi2(n) (the mean is known to be 0), two-sided at alpha/2.
    """
    z = np.asarray(z, dtype=np.float64).ravel()
    n = z.size
    if not np.all(np.isfinite(z)):
        return False, "the output contains NaN or infinite values"
    q = stats.norm.isf(alpha / 4)
    mean_stat = float(z.sum() / math.sqrt(n))
    ss = float(np.sum(z * z))
    lo, hi = stats.chi2.ppf(alpha / 4, n), stats.chi2.isf(alpha / 4, n)
    ok = abs(mean_stat) <= q and lo <= ss <= hi
    text = (f"standardised mean {z.mean():+.4f} (accepted within +/-{q / math.sqrt(n):.4f}), "
            f"standardised variance {ss / n:.4f}, i.e. the measured variance over the expected one "
            f"(accepted in [{lo / n:.4f}, {hi / n:.4f}]) over {n:,} values")
    return ok, text


def _value_array(ctx: CheckContext, record: CallRecord, shape: tuple[int, ...]) -> tuple[np.ndarray | None, str]:
    bad = CheckKind.failed_call(ctx, record)
    if bad is not None:
        return None, bad[1]
    arr = as_array(record.value)
    if arr is None:
        return None, f"expected a tensor of shape {shape}, got {describe(record.value)}"
    data = arr.data
    if data.shape != shape:
        if data.size == int(np.prod(shape)) and tuple(n for n in data.shape if n != 1) == tuple(
                n for n in shape if n != 1):
            data = data.reshape(shape)
        else:
            return None, f"expected shape {shape}, got {tuple(data.shape)}"
    return data, ""


def _single(ctx: CheckContext, ok: bool, message: str, error: bool = False,
            plot: str | None = None) -> CheckResult:
    outcome: Outcome = "passed" if ok else ("error" if error else "failed")
    return summarise(ctx, int(ok), 1, [outcome], [] if ok else [message], [], plot=None if ok else plot)


class DDIMMarginals(CheckKind):
    """``ddim_forward_process``: standardised X_t - sqrt(alpha_t) x0 is N(0, I) for every t."""

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Gaussian mean/variance test per t, union bound over t."""
        record = records[0]
        args = record.planned.args
        x0 = args["x0"].numpy()
        alphas = args["alphas"].numpy()
        T = alphas.shape[0]
        out, why = _value_array(ctx, record, (T, *x0.shape))
        if out is None:
            return _single(ctx, False, why, error=record.outcome.status != "ok")
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
        if failures:
            from grader.judge.plots import statistic_vs_t

            n = x0.size
            lo = stats.chi2.ppf(FALSE_FAILURE / T / 4, n) / n
            hi = stats.chi2.isf(FALSE_FAILURE / T / 4, n) / n
            ts = list(range(1, T + 1))
            plot = statistic_vs_t(ts, variances, [lo] * T, [hi] * T, 1.0, "variance of z_t",
                                  "Standardised X_t | X_0: variance per t (should be 1)")
            return _single(ctx, False, " ".join([f"The marginals X_t | X_0 are wrong at "
                                                 f"{len(failures)} of {T} times."] + failures[:4]), plot=plot)
        return _single(ctx, True, "")


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
    """``ddim_sample`` with the exact Gaussian eps reproduces its exact output law."""

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Standardise by the exact output variance and test N(0, 1)."""
        record = records[0]
        args = record.planned.args
        x_T = args["x_T"].numpy()
        out, why = _value_array(ctx, record, x_T.shape)
        if out is None:
            return _single(ctx, False, why, error=record.outcome.status != "ok")
        var = ddim_linear_gaussian_var(args["alphas"].numpy(), args["sigmas"].numpy(),
                                       float(args["eps_model"].params["data_var"]))
        z = out / math.sqrt(var)
        ok, text = gaussian_test(z, FALSE_FAILURE)
        sig = "sigma_t = 0" if not args["sigmas"].any() else "sigma_t > 0"
        plot = None
        if not ok:
            from grader.judge.plots import histogram_vs_normal

            plot = histogram_vs_normal(z, f"Output / sqrt({var:.3g}) ({sig})")
        return _single(ctx, ok, f"With the exact noise predictor of Gaussian data and {sig}, "
                                f"the output should be N(0, {var:.4g} I); {text}.", plot=plot)


class DSMGap(CheckKind):
    """``dsm_loss``: L(s_m) - L(s_exact) = m^2 when lam = sigma_t^2 (hw2 problem 3(d))."""

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """The same (x0, t, eps, lam) with eps models for m and for m = 0."""
        (call,) = super().plan(ctx)
        from grader.sandbox.protocol import Fixture

        exact = dict(call.args, eps_model=Fixture("ou_linear_eps_model", {"m": 0.0}))
        return [call, PlannedCall(exact, call.label)]

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """z-test of the loss difference against m^2 with the per-sample standard error."""
        values = []
        for record in records:
            out, why = _value_array(ctx, record, ())
            if out is None:
                return _single(ctx, False, why, error=record.outcome.status != "ok")
            values.append(float(out))
        args = records[0].planned.args
        m = float(args["eps_model"].params["m"])
        x0, t, eps = (args[k].numpy() for k in ("x0", "t", "eps"))
        sigma = np.sqrt(-np.expm1(-t))
        x_t = np.exp(-t / 2) * x0 + sigma * eps
        per_sample = m * m * x_t**2 - 2 * m * x_t * (sigma * x_t - eps)
        se = float(per_sample.std(ddof=1) / math.sqrt(per_sample.size))
        q = stats.norm.isf(FALSE_FAILURE / 2)
        gap = values[0] - values[1]
        ok = math.isfinite(gap) and abs(gap - m * m) <= q * se
        return _single(ctx, ok, f"With lam = sigma_t^2 the loss of s = m x/sigma_t + grad log p_t "
                                f"minus the loss of the exact score should be m^2 = {m * m:.4g}; "
                                f"measured {gap:.4g} (accepted within +/-{q * se:.3g}, "
                                f"{q:.2f} standard errors).")


KINDS: dict[str, CheckKind] = {
    "ddim_marginals": DDIMMarginals(),
    "ddim_sample_law": DDIMSampleLaw(),
    "dsm_gap": DSMGap(),
}
