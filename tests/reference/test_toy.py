"""The Gaussian toy diffusion (hw4 problem 1) against exact laws of the discrete samplers.

Every sampler is linear in (x1, noise), so its output law from X_1 ~ N(0, 1)
is found exactly by feeding unit inputs (the impulse responses); Monte Carlo
checks then confirm the sample variance, with a chi-square bound whose false
failure probability is below 1e-6. By telescoping products (see reference.toy):

* deterministic DDPM (x <- mean):  Var = (sigma2/(sigma2+1))^2
* stochastic DDPM:                 Var = sigma2 - sigma2^3/(sigma2+1)^2
* DDIM:                            Var = prod_k (1 - eta_k dt/(sigma2 + t_k))^2

for every n_steps.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
import torch

from reference.toy import (
    toy_ddim_sample,
    toy_ddpm_sample,
    toy_denoiser_target,
    toy_marginal_var,
    toy_reverse_conditional,
)

DTYPE = torch.float64
SIGMA2S = [0.01, 0.1, 0.5, 2.0]
N_STEPS = [1, 2, 7, 50]


def deterministic_var(s: float) -> float:
    return (s / (s + 1)) ** 2


def stochastic_var(s: float) -> float:
    return s - s**3 / (s + 1) ** 2


def ddim_var(s: float, n_steps: int) -> float:
    """prod_k (1 - eta_k dt/(s + t_k))^2 with t_k, dt exact rationals (t - dt = 0 at the end)."""
    dt = Fraction(1, n_steps)
    prod = 1.0
    for k in range(n_steps):
        t = Fraction(n_steps - k, n_steps)
        eta = math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))
        prod *= 1 - eta * float(dt) / (s + float(t))
    return prod**2


def impulse_variance(s: float, n_steps: int, stochastic: bool) -> float:
    """Exact Var of the output from X_1 ~ N(0, 1): sum of squared impulse responses."""
    width = n_steps + 1
    x1 = torch.zeros(width, dtype=DTYPE)
    x1[0] = 1.0
    if stochastic:
        noise = torch.zeros(n_steps, width, dtype=DTYPE)
        noise[torch.arange(n_steps), torch.arange(1, width)] = 1.0
    else:
        noise = None
    out = toy_ddpm_sample(x1, s, n_steps, noise)
    return float((out**2).sum()) if stochastic else float(out[0] ** 2)


def chi2_accepts(sample: torch.Tensor, var: float, p_fail: float = 1e-7) -> bool:
    """Two-sided chi-square test of Var(sample) = var for a mean-zero Gaussian sample."""
    n = sample.numel()
    stat = float((sample**2).sum()) / var  # ~ chi2_n under the hypothesis
    lo, hi = scipy.stats.chi2.ppf([p_fail / 2, 1 - p_fail / 2], n)
    return lo < stat < hi


# --------------------------------------------------------------------------- #
#  Marginals, conditionals, denoiser                                          #
# --------------------------------------------------------------------------- #


def test_marginal_var():
    t = torch.tensor([0.0, 0.25, 1.0], dtype=DTYPE)
    expected = torch.tensor([0.3, 0.55, 1.3], dtype=DTYPE)
    torch.testing.assert_close(toy_marginal_var(0.3, t), expected)
    assert float(toy_marginal_var(0.3, 0.5)) == pytest.approx(0.8)


def forward_covariance(s: float, times: list[float]) -> np.ndarray:
    """Cov(X_a, X_b) = s + min(a, b) for X_t = X_0 + W_t."""
    return np.array([[s + min(a, b) for b in times] for a in times])


@pytest.mark.parametrize("s", SIGMA2S)
@pytest.mark.parametrize(("t", "dt"), [(1.0, 0.1), (0.3, 0.1), (0.05, 0.05), (0.7, 0.01)])
def test_reverse_conditional_is_bayes_rule(s, t, dt):
    C = forward_covariance(s, [t - dt, t])  # order (X_{t-dt}, X_t)
    gain = C[0, 1] / C[1, 1]
    cond_var = C[0, 0] - C[0, 1] ** 2 / C[1, 1]  # Schur complement
    x_t = torch.linspace(-2, 2, 5, dtype=DTYPE)
    mean, var = toy_reverse_conditional(x_t, t, dt, s)
    torch.testing.assert_close(mean, gain * x_t, rtol=1e-13, atol=1e-15)
    assert float(var) == pytest.approx(cond_var, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("s", SIGMA2S)
def test_denoiser_target_is_posterior_mean(s):
    t = torch.tensor([0.0, 0.2, 0.9, 1.0], dtype=DTYPE)
    x_t = torch.tensor([1.0, -0.5, 2.0, 0.3], dtype=DTYPE)
    expected = [forward_covariance(s, [0.0, ti])[0, 1] / (s + ti) * xi for ti, xi in zip(t, x_t)]
    torch.testing.assert_close(toy_denoiser_target(x_t, t, s), torch.tensor(expected, dtype=DTYPE))
    torch.testing.assert_close(toy_denoiser_target(x_t, 0.5, s), s / (s + 0.5) * x_t)


def test_denoiser_target_minimises_mse_monte_carlo():
    # the least-squares slope of X_0 on X_t estimates sigma2/(sigma2 + t)
    g = torch.Generator().manual_seed(0)
    s, t, n = 0.4, 0.6, 200_000
    x0 = math.sqrt(s) * torch.randn(n, generator=g, dtype=DTYPE)
    x_t = x0 + math.sqrt(t) * torch.randn(n, generator=g, dtype=DTYPE)
    slope = float((x0 * x_t).sum() / (x_t**2).sum())
    residual_sd = math.sqrt(s * t / (s + t))
    se = residual_sd / math.sqrt(float((x_t**2).sum()))
    target_slope = float(toy_denoiser_target(torch.ones(1, dtype=DTYPE), t, s))
    assert abs(slope - target_slope) < 6 * se


# --------------------------------------------------------------------------- #
#  DDPM sampler                                                               #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("s", SIGMA2S)
@pytest.mark.parametrize("n_steps", N_STEPS)
def test_ddpm_exact_output_variances(s, n_steps):
    assert impulse_variance(s, n_steps, stochastic=False) == pytest.approx(
        deterministic_var(s), rel=1e-12
    )
    assert impulse_variance(s, n_steps, stochastic=True) == pytest.approx(
        stochastic_var(s), rel=1e-12
    )


@pytest.mark.parametrize("s", [0.1, 0.5])
def test_ddpm_sample_variance_monte_carlo(s):
    n_steps, N = 20, 50_000
    g = torch.Generator().manual_seed(1)
    x1 = torch.randn(N, generator=g, dtype=DTYPE)
    noise = torch.randn(n_steps, N, generator=g, dtype=DTYPE)
    stochastic = toy_ddpm_sample(x1, s, n_steps, noise)
    deterministic = toy_ddpm_sample(x1, s, n_steps, None)
    assert chi2_accepts(stochastic, stochastic_var(s))
    assert chi2_accepts(deterministic, deterministic_var(s))
    # the other pairing is rejected: the forms are not interchangeable
    assert not chi2_accepts(stochastic, deterministic_var(s))
    assert not chi2_accepts(deterministic, stochastic_var(s))
    # the deterministic sampler is exactly x1 scaled by sigma2/(sigma2+1)
    torch.testing.assert_close(deterministic, s / (s + 1) * x1, rtol=1e-12, atol=1e-14)


def test_ddpm_uses_noise_row_k_at_step_k():
    # with one step, x0 = s/(s+1) x1 + sqrt(s/(s+1)) noise[0]
    s = 0.3
    x1 = torch.tensor([1.0, -2.0], dtype=DTYPE)
    noise = torch.tensor([[0.5, 1.5]], dtype=DTYPE)
    expected = s / (s + 1) * x1 + math.sqrt(s * 1.0 / (s + 1)) * noise[0]
    torch.testing.assert_close(toy_ddpm_sample(x1, s, 1, noise), expected)


# --------------------------------------------------------------------------- #
#  DDIM sampler                                                               #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("s", SIGMA2S)
@pytest.mark.parametrize("n_steps", N_STEPS)
def test_ddim_exact_output_variance(s, n_steps):
    gain = toy_ddim_sample(torch.ones(1, dtype=DTYPE), s, n_steps)
    assert float(gain**2) == pytest.approx(ddim_var(s, n_steps), rel=1e-12)


def test_ddim_last_step_has_eta_one():
    # one step: t = dt = 1, eta = 1, x0 = (1 - 1/(s+1)) x1 = s/(s+1) x1; eta = 1/2 would differ
    s = 0.2
    x1 = torch.tensor([1.0, 3.0], dtype=DTYPE)
    torch.testing.assert_close(toy_ddim_sample(x1, s, 1), s / (s + 1) * x1)
    # three steps: the last factor is exactly s/(s + 1/3)
    gain3 = float(toy_ddim_sample(torch.ones(1, dtype=DTYPE), s, 3))
    eta = [math.sqrt(t) / (math.sqrt(t - 1 / 3) + math.sqrt(t)) for t in (1.0, 2 / 3)]
    expected = (1 - eta[0] / 3 / (s + 1)) * (1 - eta[1] / 3 / (s + 2 / 3)) * s / (s + 1 / 3)
    assert gain3 == pytest.approx(expected, rel=1e-13)


def test_ddim_differs_from_its_limit_and_converges_to_it():
    s = 0.5
    assert abs(ddim_var(s, 10) - s / (s + 1)) > 0.05  # the limit is not the discrete law
    gain = float(toy_ddim_sample(torch.ones(1, dtype=DTYPE), s, 4000))
    assert gain**2 == pytest.approx(s / (s + 1), rel=5e-3)


def test_ddim_sample_variance_monte_carlo():
    s, n_steps, N = 0.1, 10, 50_000
    x1 = torch.randn(N, generator=torch.Generator().manual_seed(2), dtype=DTYPE)
    out = toy_ddim_sample(x1, s, n_steps)
    assert chi2_accepts(out, ddim_var(s, n_steps))
    assert not chi2_accepts(out, s / (s + 1))


# --------------------------------------------------------------------------- #
#  Contract hygiene                                                           #
# --------------------------------------------------------------------------- #


def test_inputs_are_not_modified():
    g = torch.Generator().manual_seed(3)
    x1 = torch.randn(6, generator=g, dtype=DTYPE)
    noise = torch.randn(4, 6, generator=g, dtype=DTYPE)
    t = torch.rand(6, generator=g, dtype=DTYPE)
    copies = (x1.clone(), noise.clone(), t.clone())
    toy_marginal_var(0.2, t)
    toy_reverse_conditional(x1, 0.5, 0.25, 0.2)
    toy_ddpm_sample(x1, 0.2, 4, noise)
    toy_ddpm_sample(x1, 0.2, 4, None)
    toy_ddim_sample(x1, 0.2, 4)
    toy_denoiser_target(x1, t, 0.2)
    assert all(torch.equal(a, b) for a, b in zip((x1, noise, t), copies))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda x: toy_ddpm_sample(x, 0.1, 0, None), ValueError, "n_steps"),
        (lambda x: toy_ddpm_sample(x, 0.1, 2.0, None), TypeError, "n_steps"),
        (lambda x: toy_ddpm_sample(x, 0.1, 3, torch.zeros(2, 4, dtype=DTYPE)), ValueError, "noise"),
        (lambda x: toy_ddim_sample(x, -0.1, 3), ValueError, "sigma2"),
        (lambda x: toy_reverse_conditional(x, 0.1, 0.2, 0.1), ValueError, "dt <= t"),
        (lambda x: toy_reverse_conditional(x, 0.5, 0.0, 0.1), ValueError, "dt"),
        (lambda x: toy_denoiser_target(x, 1.5, 0.1), ValueError, r"\[0, 1\]"),
        (lambda x: toy_denoiser_target(x, torch.zeros(3, dtype=DTYPE), 0.1), ValueError, "t"),
        (lambda x: toy_marginal_var(0.1, "0.5"), TypeError, "t"),
    ],
)
def test_invalid_arguments_raise(call, error, match):
    with pytest.raises(error, match=match):
        call(torch.zeros(4, dtype=DTYPE))
