"""reference.gaussian against torch.distributions (an independent implementation)."""

from __future__ import annotations

import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

from reference.gaussian import gaussian_kl, kl_diag_normal_standard, log_normal_diag

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _isotropic(mu: torch.Tensor, sigma: torch.Tensor) -> Independent:
    return Independent(Normal(mu, sigma[:, None].expand_as(mu)), 1)


@pytest.mark.parametrize(("n", "d"), [(1, 1), (1, 5), (7, 3), (20, 8)])
def test_gaussian_kl_matches_torch_distributions(n: int, d: int) -> None:
    g = _gen(n * 10 + d)
    mu0, mu1 = torch.randn(n, d, generator=g, dtype=F64), torch.randn(n, d, generator=g, dtype=F64)
    sigma0 = 0.2 + torch.rand(n, generator=g, dtype=F64) * 2
    sigma1 = 0.2 + torch.rand(n, generator=g, dtype=F64) * 2
    got = gaussian_kl(mu0, sigma0, mu1, sigma1)
    want = kl_divergence(_isotropic(mu0, sigma0), _isotropic(mu1, sigma1))
    assert got.shape == (n,)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_gaussian_kl_zero_for_identical_and_accepts_float_sigmas() -> None:
    mu = torch.randn(4, 3, generator=_gen(1), dtype=F64)
    torch.testing.assert_close(gaussian_kl(mu, 0.7, mu, 0.7), torch.zeros(4, dtype=F64))
    want = kl_divergence(_isotropic(mu, torch.full((4,), 0.5, dtype=F64)),
                         _isotropic(0 * mu, torch.full((4,), 2.0, dtype=F64)))
    torch.testing.assert_close(gaussian_kl(mu, 0.5, torch.zeros_like(mu), 2.0), want)


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_gaussian_kl_rejects_non_positive_sigma(bad: float) -> None:
    mu = torch.zeros(2, 3, dtype=F64)
    with pytest.raises(ValueError, match="sigma0"):
        gaussian_kl(mu, torch.tensor([1.0, bad], dtype=F64), mu, torch.ones(2, dtype=F64))


def test_gaussian_kl_rejects_mismatched_means() -> None:
    with pytest.raises(ValueError, match="mu0 and mu1"):
        gaussian_kl(torch.zeros(2, 3, dtype=F64), 1.0, torch.zeros(2, 4, dtype=F64), 1.0)


@pytest.mark.parametrize(("n", "d"), [(1, 1), (6, 4)])
def test_kl_diag_normal_standard_matches_torch_distributions(n: int, d: int) -> None:
    g = _gen(3 + d)
    mean = torch.randn(n, d, generator=g, dtype=F64)
    logvar = torch.randn(n, d, generator=g, dtype=F64)
    q = Independent(Normal(mean, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros_like(mean), torch.ones_like(mean)), 1)
    got = kl_diag_normal_standard(mean, logvar)
    assert got.shape == (n,)
    torch.testing.assert_close(got, kl_divergence(q, p), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("n", "d"), [(1, 1), (6, 4)])
def test_log_normal_diag_matches_torch_distributions(n: int, d: int) -> None:
    g = _gen(5 + d)
    x, mean, logvar = (torch.randn(n, d, generator=g, dtype=F64) for _ in range(3))
    want = Independent(Normal(mean, torch.exp(0.5 * logvar)), 1).log_prob(x)
    got = log_normal_diag(x, mean, logvar)
    assert got.shape == (n,)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_shape_errors_name_the_arguments() -> None:
    a, b = torch.zeros(2, 3, dtype=F64), torch.zeros(2, 4, dtype=F64)
    with pytest.raises(ValueError, match="mean and logvar"):
        kl_diag_normal_standard(a, b)
    with pytest.raises(ValueError, match="x, mean and logvar"):
        log_normal_diag(a, a, b)
    with pytest.raises(TypeError, match="mean"):
        kl_diag_normal_standard([[0.0]], a)  # type: ignore[arg-type]
