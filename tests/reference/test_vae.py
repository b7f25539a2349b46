"""Diffusion as a progressive VAE (quiz1) against torch.distributions and exact laws."""

from __future__ import annotations

import math

import pytest
import scipy.stats
import torch
from torch.distributions import Independent, Normal, kl_divergence

from reference.vae import cvae_loss, optimal_denoiser_at_L, sample_z, sample_z_forward

DTYPE = torch.float64


def randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=DTYPE)


# --------------------------------------------------------------------------- #
#  sample_z, sample_z_forward                                                 #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(("alpha", "ell"), [(0.9, 1), (0.9, 5), (0.5, 3), (math.exp(-1 / 50), 40)])
def test_sample_z_is_the_unrolled_chain(alpha, ell):
    # z_l = alpha z_{l-1} + sqrt(1 - alpha^2) eps_l, iterated; both are linear in (z0, noises):
    # compare the coefficient of z0 and the total noise variance.
    z0 = randn(3, 2, seed=0)
    chain = z0.clone()
    noise_var = 0.0
    for _ in range(ell):
        chain = alpha * chain
        noise_var = alpha**2 * noise_var + (1 - alpha**2)
    zero = torch.zeros_like(z0)
    torch.testing.assert_close(sample_z(z0, alpha, ell, zero), chain)
    one = torch.ones_like(z0)
    torch.testing.assert_close(sample_z(zero, alpha, ell, one), math.sqrt(noise_var) * one)


@pytest.mark.parametrize(("alpha", "ell", "k"), [(0.9, 2, 3), (0.7, 1, 1), (0.95, 10, 4)])
def test_composition_rule_exact(alpha, ell, k):
    # sample_z_forward(sample_z(z0, l, n1), k, n2) = a^(l+k) z0 + a^k s_l n1 + s_k n2:
    # noise coefficients' squares sum to 1 - a^(2(l+k)), the variance of sample_z(z0, l+k).
    z0 = randn(4, 3, seed=1)
    zero, one = torch.zeros_like(z0), torch.ones_like(z0)
    composed_mean = sample_z_forward(sample_z(z0, alpha, ell, zero), alpha, k, zero)
    torch.testing.assert_close(composed_mean, sample_z(z0, alpha, ell + k, zero))
    c1 = sample_z_forward(sample_z(zero, alpha, ell, one), alpha, k, zero)
    c2 = sample_z_forward(sample_z(zero, alpha, ell, zero), alpha, k, one)
    c_direct = sample_z(zero, alpha, ell + k, one)
    torch.testing.assert_close(c1**2 + c2**2, c_direct**2)


def test_composition_rule_monte_carlo():
    alpha, ell, k, M = 0.8, 2, 3, 40_000
    g = torch.Generator().manual_seed(2)
    z0 = torch.tensor([[1.5, -2.0]], dtype=DTYPE).expand(M, 2)
    noise = [torch.randn(M, 2, generator=g, dtype=DTYPE) for _ in range(3)]
    two_step = sample_z_forward(sample_z(z0, alpha, ell, noise[0]), alpha, k, noise[1])
    direct = sample_z(z0, alpha, ell + k, noise[2])
    mean = alpha ** (ell + k) * z0[0]
    var = 1 - alpha ** (2 * (ell + k))
    for sample in (two_step, direct):
        # mean: |mean error| < 6 SE; variance: two-sided chi-square at p = 1e-7
        assert bool(((sample.mean(0) - mean).abs() < 6 * math.sqrt(var / M)).all())
        stat = ((sample - sample.mean(0)) ** 2).sum(0) / var
        lo, hi = scipy.stats.chi2.ppf([5e-8, 1 - 5e-8], M - 1)
        assert bool(((stat > lo) & (stat < hi)).all()), stat
    # the two samples agree with each other (two-sample z on the means)
    diff = two_step.mean(0) - direct.mean(0)
    assert bool((diff.abs() < 6 * math.sqrt(2 * var / M)).all())


def test_zero_levels_is_identity_and_ou_limit():
    z = randn(3, 2, seed=3)
    noise = randn(3, 2, seed=4)
    torch.testing.assert_close(sample_z(z, 0.9, 0, noise), z)
    torch.testing.assert_close(sample_z_forward(z, 0.9, 0, noise), z)
    # alpha = exp(-1/N), l = N t: exp(-t) z0 + sqrt(1 - exp(-2t)) noise (quiz1 problem 1(d))
    N, t = 100, 0.37
    expected = math.exp(-t) * z + math.sqrt(1 - math.exp(-2 * t)) * noise
    torch.testing.assert_close(sample_z(z, math.exp(-1 / N), 37, noise), expected)


# --------------------------------------------------------------------------- #
#  optimal_denoiser_at_L                                                      #
# --------------------------------------------------------------------------- #


def test_optimal_denoiser_is_the_mean_image():
    y = randn(50, 4, seed=5) + torch.arange(4, dtype=DTYPE)
    c = optimal_denoiser_at_L(y)
    assert c.shape == (4,)
    torch.testing.assert_close(c, y.sum(0) / 50)
    mse = ((y - c) ** 2).sum(-1).mean()
    g = torch.Generator().manual_seed(6)
    for _ in range(20):
        other = c + 0.1 * torch.randn(4, generator=g, dtype=DTYPE)
        assert float(((y - other) ** 2).sum(-1).mean()) > float(mse)


# --------------------------------------------------------------------------- #
#  cvae_loss                                                                  #
# --------------------------------------------------------------------------- #


def test_cvae_loss_matches_torch_distributions():
    N, k, d = 6, 2, 5
    enc_mean, enc_logvar = randn(N, k, seed=7), 0.5 * randn(N, k, seed=8)
    dec_mean, dec_logvar = randn(N, d, seed=9), 0.5 * randn(N, d, seed=10)
    z_prev = randn(N, d, seed=11)
    posterior = Independent(Normal(enc_mean, torch.exp(0.5 * enc_logvar)), 1)
    prior = Independent(Normal(torch.zeros(N, k, dtype=DTYPE), torch.ones(N, k, dtype=DTYPE)), 1)
    decoder = Independent(Normal(dec_mean, torch.exp(0.5 * dec_logvar)), 1)
    expected = kl_divergence(posterior, prior) - decoder.log_prob(z_prev)
    got = cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar)
    assert got.shape == (N,)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_cvae_loss_is_differentiable():
    args = [randn(3, 2, seed=s).requires_grad_(True) for s in range(12, 17)]
    loss = cvae_loss(*args).sum()
    grads = torch.autograd.grad(loss, args)
    assert all(g is not None and bool(torch.isfinite(g).all()) for g in grads)


# --------------------------------------------------------------------------- #
#  Contract hygiene                                                           #
# --------------------------------------------------------------------------- #


def test_inputs_are_not_modified():
    tensors = [randn(4, 3, seed=s) for s in range(20, 27)]
    copies = [t.clone() for t in tensors]
    z0, noise, y, a, b, c, d = tensors
    sample_z(z0, 0.9, 3, noise)
    sample_z_forward(z0, 0.9, 2, noise)
    optimal_denoiser_at_L(y)
    cvae_loss(z0, a, b, c, d)
    assert all(torch.equal(t, u) for t, u in zip(tensors, copies))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda z: sample_z(z, 1.5, 2, z), ValueError, "alpha"),
        (lambda z: sample_z(z, 0.5, -1, z), ValueError, "ell"),
        (lambda z: sample_z_forward(z, 0.5, -2, z), ValueError, "k"),
        (lambda z: sample_z(z, 0.5, 2, z[:1]), ValueError, "noise"),
        (lambda z: sample_z(z, "0.5", 2, z), TypeError, "alpha"),
        (lambda z: optimal_denoiser_at_L(z[0]), ValueError, "y"),
        (lambda z: cvae_loss(z, z, z, z, z[:, :1]), ValueError, "shape"),
        (lambda z: cvae_loss(z, z[:1], z[:1], z, z), ValueError, "enc_mean"),
    ],
)
def test_invalid_arguments_raise(call, error, match):
    with pytest.raises(error, match=match):
        call(randn(3, 2, seed=30))
