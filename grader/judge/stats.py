"""Statistics shared by the statistical checks: the false-failure budget, quantiles and bounds.

Every statistical check fails a correct implementation with probability at
most :data:`FALSE_FAILURE` over its seed. A check with K cases spends
``FALSE_FAILURE / K`` on each (union bound); the thresholds below come from
exact distributions (scipy), or a conservative expansion where no exact
one applies, never from a plain normal approximation of a skewed law.

=============================  ======================================================
function                       what it bounds
=============================  ======================================================
:func:`gaussian_test`          i.i.d. N(0, 1): mean (normal) and sum of squares
                               (exact chi-square), two-sided
:func:`edgeworth_quantile`     a studentised mean of skewed terms (Edgeworth, Hall 1992)
:func:`rademacher_mean_bound`  the mean of n Rademacher signs (exact binomial law)
:func:`ks_statistic`           Kolmogorov-Smirnov distance of a sample to a CDF
:func:`ks_critical_value`      its exact critical value (``scipy.stats.kstwo``)
:func:`mixture_cdf`            CDF of a 1-d Gaussian mixture
=============================  ======================================================
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from types import ModuleType

import numpy as np

__all__ = ["FALSE_FAILURE", "normal_isf", "skewness",
           "gaussian_test", "chi2_variance_range", "edgeworth_quantile", "rademacher_mean_bound",
           "ks_statistic", "ks_critical_value", "mixture_cdf"]

#: Largest probability that a statistical check fails a correct implementation.
FALSE_FAILURE = 1e-6


def _scipy_stats() -> ModuleType:
    """``scipy.stats``, imported on first use: about 0.9 s that runs without a statistical check skip."""
    import scipy.stats

    module: ModuleType = scipy.stats
    return module


def normal_isf(p: float) -> float:
    """The standard normal quantile z with P(Z > z) = p.

    Parameters
    ----------
    p : float
        Upper-tail probability in (0, 1).

    Returns
    -------
    float
        ``scipy.stats.norm.isf(p)``.
    """
    return float(_scipy_stats().norm.isf(p))


def skewness(x: np.ndarray) -> float:
    """The sample skewness (biased, as ``scipy.stats.skew``) of the values of ``x``.

    Parameters
    ----------
    x : numpy.ndarray
        Values (any shape, flattened).

    Returns
    -------
    float
    """
    return float(_scipy_stats().skew(np.asarray(x, dtype=np.float64).ravel()))


@functools.lru_cache(maxsize=1024)
def _gaussian_bounds(alpha: float, n: int) -> tuple[float, float, float]:
    """:func:`gaussian_test`'s acceptance bounds: the normal quantile, the chi2(n) quantiles (cached: scipy is slow)."""
    stats = _scipy_stats()
    return stats.norm.isf(alpha / 4), stats.chi2.ppf(alpha / 4, n), stats.chi2.isf(alpha / 4, n)


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
    q, lo, hi = _gaussian_bounds(alpha, n)
    mean_stat = float(z.sum() / math.sqrt(n))
    ss = float(np.sum(z * z))
    ok = abs(mean_stat) <= q and lo <= ss <= hi
    text = (f"standardised mean {z.mean():+.4f} (accepted within +/-{q / math.sqrt(n):.4f}), "
            f"standardised variance {ss / n:.4f}, i.e. the measured variance over the expected one "
            f"(accepted in [{lo / n:.4f}, {hi / n:.4f}]) over {n:,} values")
    return ok, text


def chi2_variance_range(n: int, alpha: float) -> tuple[float, float]:
    """Acceptance range of the standardised variance sum(z^2)/n in :func:`gaussian_test`.

    Parameters
    ----------
    n : int
        Number of values.
    alpha : float
        Total false-failure probability of :func:`gaussian_test`.

    Returns
    -------
    (float, float)
        The chi-square(n) quantiles at alpha/4 and 1 - alpha/4, divided by n.
    """
    stats = _scipy_stats()
    return float(stats.chi2.ppf(alpha / 4, n) / n), float(stats.chi2.isf(alpha / 4, n) / n)


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
    stats = _scipy_stats()
    c = abs(skewness) / (6.0 * math.sqrt(n))

    def excess(q: float) -> float:
        value: float = 2.0 * (stats.norm.sf(q) + stats.norm.pdf(q) * c * (2 * q * q + 1)) - alpha
        return value

    lo = float(stats.norm.isf(alpha / 2))
    hi = lo
    while excess(hi) > 0:
        hi += 1.0
    from scipy.optimize import brentq

    return lo if hi == lo else float(brentq(excess, lo, hi))


def rademacher_mean_bound(n: int, alpha: float) -> float:
    """T with P(|mean of n i.i.d. Rademacher signs| > t) <= alpha, from the exact binomial law.

    Parameters
    ----------
    n : int
        Number of signs.
    alpha : float
        Two-sided tail probability.

    Returns
    -------
    float
        With B ~ Binomial(n, 1/2) the mean is (2B - n)/n; b is the smallest
        integer with 2 P(B > b) <= alpha, and t = (2b - n)/n.
    """
    stats = _scipy_stats()
    b = int(stats.binom.isf(alpha / 2, n, 0.5))
    while 2 * stats.binom.sf(b, n, 0.5) > alpha:  # guard against a rounded isf
        b += 1
    return (2 * b - n) / n


def mixture_cdf(x: np.ndarray, w: np.ndarray, means: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """CDF of the 1-d Gaussian mixture sum_k w_k N(means_k, variances_k).

    Parameters
    ----------
    x : numpy.ndarray
        Points (any shape).
    w, means, variances : (K,) numpy.ndarray
        Weights (summing to 1), means and variances of the components.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``x``.
    """
    stats = _scipy_stats()
    z = (np.asarray(x, dtype=np.float64)[..., None] - means) / np.sqrt(variances)
    return np.asarray((w * stats.norm.cdf(z)).sum(-1), dtype=np.float64)


def ks_statistic(sample: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    """Kolmogorov-Smirnov distance sup_x |F_n(x) - F(x)| of a sample to a continuous CDF.

    Parameters
    ----------
    sample : numpy.ndarray
        The n values (any shape).
    cdf : callable
        F, vectorised over a sorted ``(n,)`` array.

    Returns
    -------
    float
        The two-sided statistic D_n, in [0, 1].
    """
    xs = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    n = xs.size
    F = cdf(xs)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))


def ks_critical_value(n: int, alpha: float) -> float:
    """Exact critical value c with P(D_n > c) = alpha for n samples of a continuous law.

    Parameters
    ----------
    n : int
        Sample size.
    alpha : float
        Tail probability.

    Returns
    -------
    float
        ``scipy.stats.kstwo.isf(alpha, n)`` (distribution-free).
    """
    stats = _scipy_stats()
    return float(stats.kstwo.isf(alpha, n))
