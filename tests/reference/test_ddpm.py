"""reference.ddpm against independent computations.

* the two forms of the posterior mean (hw2 problem 1) against each other;
* the posterior against Bayes' rule, computed by numerical integration of
  q(x_t | x_{t-1}) q(x_{t-1} | x_0) over a grid, and in precision form;
* posterior and q_sample against diffusers' DDPMScheduler;
* the hw3 quantities against torch.distributions KL divergences.

abar_t is recomputed here with Python floats (``_abar``), never with
``reference._schedule``.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

from reference.ddpm import (
    ddpm_eps_loss_weight,
    ddpm_posterior,
    ddpm_posterior_mean_from_score,
    ddpm_prior_kl,
    ddpm_q_sample,
    posterior_mean_from_eps,
)

F64 = torch.float64


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _abar(betas: torch.Tensor, t: int) -> float:
    """abar_t = prod_{s <= t} (1 - beta_s) in Python floats; abar_0 = 1."""
    return math.prod(1.0 - b for b in betas.tolist()[:t])


def _schedule(T: int) -> torch.Tensor:
    """A float32-representable schedule (so diffusers' float32 betas are exact)."""
    if T == 1:
        return torch.tensor([0.3], dtype=torch.float32).to(F64)
    return torch.linspace(1e-3, 0.3, T, dtype=torch.float32).to(F64)


SCHEDULES = [1, 2, 25]


def _cases(T: int) -> list[int]:
    return sorted({1, min(2, T), (T + 1) // 2, T})


# --------------------------------------------------------------- posterior


@pytest.mark.parametrize("T", SCHEDULES)
def test_two_forms_of_posterior_mean_agree(T: int) -> None:
    betas = _schedule(T)
    g = _gen(T)
    x0, x_t = torch.randn(5, 3, generator=g, dtype=F64), torch.randn(5, 3, generator=g, dtype=F64)
    for t in range(1, T + 1):
        abar_t = _abar(betas, t)
        score = -(x_t - math.sqrt(abar_t) * x0) / (1.0 - abar_t)  # grad log p_{t|0}
        mean, _ = ddpm_posterior(x_t, x0, betas, t)
        torch.testing.assert_close(
            ddpm_posterior_mean_from_score(x_t, score, betas, t), mean, rtol=1e-12, atol=1e-12
        )


def _bayes_by_quadrature(x_t: float, x0: float, betas: torch.Tensor, t: int) -> tuple[float, float]:
    """Mean and variance of q(x_{t-1}|x_t,x_0) ∝ q(x_t|x_{t-1}) q(x_{t-1}|x_0), on a grid.

    Works in 1-d; the product density is normalised numerically. The grid is
    placed using the precision-form posterior (only to choose where to look).
    """
    beta_t = float(betas[t - 1])
    abar_prev = _abar(betas, t - 1)
    prec = 1.0 / (1.0 - abar_prev) + (1.0 - beta_t) / beta_t
    centre = (math.sqrt(abar_prev) * x0 / (1.0 - abar_prev)
              + math.sqrt(1.0 - beta_t) * x_t / beta_t) / prec
    half_width = 30.0 / math.sqrt(prec)
    grid = torch.linspace(centre - half_width, centre + half_width, 40001, dtype=F64)
    log_lik = -((x_t - math.sqrt(1.0 - beta_t) * grid) ** 2) / (2 * beta_t)
    log_prior = -((grid - math.sqrt(abar_prev) * x0) ** 2) / (2 * (1.0 - abar_prev))
    log_w = log_lik + log_prior
    w = torch.exp(log_w - log_w.max())
    w = w / torch.trapezoid(w, grid)
    mean = torch.trapezoid(w * grid, grid)
    var = torch.trapezoid(w * (grid - mean) ** 2, grid)
    return float(mean), float(var)


@pytest.mark.parametrize("T", [2, 25])
def test_posterior_matches_bayes_rule_by_quadrature(T: int) -> None:
    betas = _schedule(T)
    g = _gen(100 + T)
    x0, x_t = torch.randn(2, 2, generator=g, dtype=F64), torch.randn(2, 2, generator=g, dtype=F64)
    for t in [s for s in _cases(T) if s >= 2]:
        mean, var = ddpm_posterior(x_t, x0, betas, t)
        for n in range(2):
            for i in range(2):
                m, v = _bayes_by_quadrature(float(x_t[n, i]), float(x0[n, i]), betas, t)
                assert float(mean[n, i]) == pytest.approx(m, rel=1e-9, abs=1e-9)
                assert float(var) == pytest.approx(v, rel=1e-7)


@pytest.mark.parametrize("T", SCHEDULES)
def test_posterior_matches_precision_form_for_every_t(T: int) -> None:
    """Completing the square: precision = 1/(1-abar_{t-1}) + alpha_t/beta_t."""
    betas = _schedule(T)
    g = _gen(200 + T)
    x0, x_t = torch.randn(4, 3, generator=g, dtype=F64), torch.randn(4, 3, generator=g, dtype=F64)
    for t in range(1, T + 1):
        mean, var = ddpm_posterior(x_t, x0, betas, t)
        assert isinstance(var, torch.Tensor) and var.ndim == 0
        beta_t, abar_prev = float(betas[t - 1]), _abar(betas, t - 1)
        if t == 1:  # q(x_0 | x_1, x_0) is the point mass at x_0
            torch.testing.assert_close(mean, x0, rtol=1e-12, atol=1e-12)
            assert float(var) == 0.0
            continue
        prec = 1.0 / (1.0 - abar_prev) + (1.0 - beta_t) / beta_t
        want = (math.sqrt(abar_prev) / (1.0 - abar_prev) * x0
                + math.sqrt(1.0 - beta_t) / beta_t * x_t) / prec
        torch.testing.assert_close(mean, want, rtol=1e-12, atol=1e-12)
        assert float(var) == pytest.approx(1.0 / prec, rel=1e-12)


def test_posterior_batch_of_times_and_single_row() -> None:
    betas = _schedule(25)
    g = _gen(7)
    x0, x_t = torch.randn(3, 2, generator=g, dtype=F64), torch.randn(3, 2, generator=g, dtype=F64)
    t = torch.tensor([1, 13, 25])
    mean, var = ddpm_posterior(x_t, x0, betas, t)
    for n, t_n in enumerate(t.tolist()):
        m_n, v_n = ddpm_posterior(x_t[n : n + 1], x0[n : n + 1], betas, t_n)
        torch.testing.assert_close(mean[n : n + 1], m_n)
        torch.testing.assert_close(var[n].reshape(()), v_n)


@pytest.mark.parametrize("bad_t", [0, 26, -1])
def test_time_out_of_range_raises(bad_t: int) -> None:
    x = torch.zeros(2, 2, dtype=F64)
    with pytest.raises(ValueError, match="1..25"):
        ddpm_posterior(x, x, _schedule(25), bad_t)


def test_bad_arguments_raise() -> None:
    x = torch.zeros(2, 2, dtype=F64)
    with pytest.raises(TypeError, match="t must be an int"):
        ddpm_posterior(x, x, _schedule(5), 2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="beta_t must lie in"):
        ddpm_posterior(x, x, torch.tensor([0.1, 1.0], dtype=F64), 1)
    with pytest.raises(ValueError, match="x_t and x0"):
        ddpm_posterior(x, torch.zeros(2, 3, dtype=F64), _schedule(5), 1)
    with pytest.raises(TypeError, match="t must be an integer tensor"):
        ddpm_q_sample(x, torch.tensor([1.0, 2.0]), _schedule(5), x)


# ---------------------------------------------------------------- diffusers


def _ddpm_scheduler(betas: torch.Tensor, prediction_type: str = "sample"):  # noqa: ANN202
    diffusers = pytest.importorskip("diffusers")
    sched = diffusers.DDPMScheduler(
        num_train_timesteps=betas.shape[0],
        trained_betas=betas.numpy(),
        clip_sample=False,
        variance_type="fixed_small",
        prediction_type=prediction_type,
    )
    # diffusers computes abar in float32; our betas are float32-exact, so the
    # float32 schedule must agree to float32 accuracy ...
    abar32 = sched.alphas_cumprod.to(F64)
    want = torch.tensor([_abar(betas, t) for t in range(1, betas.shape[0] + 1)], dtype=F64)
    torch.testing.assert_close(abar32, want, rtol=1e-6, atol=1e-6)
    # ... and redoing its cumulative product in float64 lets the step logic
    # (which is what we cross-check) agree to 1e-12.
    sched.alphas_cumprod = torch.cumprod(1.0 - sched.betas.to(F64), dim=0)
    sched.one = torch.tensor(1.0, dtype=F64)
    return sched


@pytest.mark.parametrize("T", [1, 25])
def test_posterior_matches_diffusers_ddpm_step(T: int) -> None:
    """diffusers timestep tau (0-indexed) is the contract's t = tau + 1.

    With ``prediction_type="sample"`` the model output is x_0 itself, and
    ``step`` returns mean + sqrt(var) z with z drawn from the generator we
    pass (no noise at tau = 0). We redraw z from an identically seeded
    generator.
    """
    betas = _schedule(T)
    sched = _ddpm_scheduler(betas)
    g = _gen(300 + T)
    x0, x_t = torch.randn(4, 3, generator=g, dtype=F64), torch.randn(4, 3, generator=g, dtype=F64)
    for tau in range(T):
        t = tau + 1
        mean, var = ddpm_posterior(x_t, x0, betas, t)
        assert float(var) == pytest.approx(float(sched._get_variance(tau)), rel=1e-12, abs=1e-18)
        prev = sched.step(x0, tau, x_t, generator=_gen(tau)).prev_sample
        z = torch.randn(x_t.shape, generator=_gen(tau), dtype=F64) if tau > 0 else 0 * x_t
        torch.testing.assert_close(prev, mean + torch.sqrt(var) * z, rtol=1e-12, atol=1e-12)


def test_posterior_mean_from_eps_matches_diffusers_epsilon_step() -> None:
    betas = _schedule(25)
    sched = _ddpm_scheduler(betas, prediction_type="epsilon")
    g = _gen(11)
    x_t, eps = torch.randn(4, 3, generator=g, dtype=F64), torch.randn(4, 3, generator=g, dtype=F64)
    for tau in (0, 1, 12, 24):
        t = tau + 1
        mean = posterior_mean_from_eps(x_t, eps, torch.full((4,), t), betas)
        _, var = ddpm_posterior(x_t, x_t, betas, t)
        prev = sched.step(eps, tau, x_t, generator=_gen(tau)).prev_sample
        z = torch.randn(x_t.shape, generator=_gen(tau), dtype=F64) if tau > 0 else 0 * x_t
        torch.testing.assert_close(prev, mean + torch.sqrt(var) * z, rtol=1e-11, atol=1e-11)


def test_q_sample_matches_diffusers_add_noise() -> None:
    betas = _schedule(25)
    sched = _ddpm_scheduler(betas)
    g = _gen(12)
    x0, noise = torch.randn(6, 3, generator=g, dtype=F64), torch.randn(6, 3, generator=g, dtype=F64)
    t = torch.tensor([1, 2, 5, 13, 24, 25])
    got = ddpm_q_sample(x0, t, betas, noise)
    want = sched.add_noise(x0, noise, t - 1)  # diffusers is 0-indexed
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_q_sample_int_time_and_single_row() -> None:
    betas = _schedule(25)
    x0, noise = torch.tensor([[1.0, -2.0]], dtype=F64), torch.tensor([[0.5, 0.25]], dtype=F64)
    abar = _abar(betas, 25)
    want = math.sqrt(abar) * x0 + math.sqrt(1 - abar) * noise
    torch.testing.assert_close(ddpm_q_sample(x0, 25, betas, noise), want, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ddpm_q_sample(x0, torch.tensor([25]), betas, noise), want)


# ---------------------------------------------------------------------- hw3


@pytest.mark.parametrize("T", SCHEDULES)
def test_posterior_mean_from_eps_matches_posterior_with_recovered_x0(T: int) -> None:
    betas = _schedule(T)
    g = _gen(400 + T)
    n = 2 * T
    x0, eps = torch.randn(n, 3, generator=g, dtype=F64), torch.randn(n, 3, generator=g, dtype=F64)
    t = torch.arange(n) % T + 1
    abar = torch.tensor([_abar(betas, int(s)) for s in t], dtype=F64)[:, None]
    x_t = abar.sqrt() * x0 + (1 - abar).sqrt() * eps
    got = posterior_mean_from_eps(x_t, eps, t, betas)
    for row in range(n):
        want, _ = ddpm_posterior(x_t[row : row + 1], x0[row : row + 1], betas, int(t[row]))
        torch.testing.assert_close(got[row : row + 1], want, rtol=1e-10, atol=1e-10)


def test_eps_loss_weight_matches_kl_between_posterior_and_reverse_step() -> None:
    """KL(q(x_{t-1}|x_t,x_0) || N(mu_theta, sigma_t^2 I)) - KL(q || N(mu_tilde, sigma_t^2 I))
    = weight_t * ||eps - eps_theta||^2, mu_theta in the eps parametrisation."""
    T = 25
    betas = _schedule(T)
    g = _gen(13)
    sigma2 = 0.5 * betas + 0.01 * torch.rand(T, generator=g, dtype=F64)
    t = torch.tensor([1, 2, 7, 25])
    weights = ddpm_eps_loss_weight(t, betas, sigma2)
    assert weights.shape == (4,)
    for k, t_k in enumerate(t.tolist()):
        x0, eps = (torch.randn(3, 4, generator=g, dtype=F64) for _ in range(2))
        eps_theta = eps + 0.3 * torch.randn(3, 4, generator=g, dtype=F64)
        abar = _abar(betas, t_k)
        x_t = math.sqrt(abar) * x0 + math.sqrt(1 - abar) * eps
        mu_tilde, var = ddpm_posterior(x_t, x0, betas, t_k)
        mu_theta = posterior_mean_from_eps(x_t, eps_theta, t_k, betas)
        sd = math.sqrt(float(sigma2[t_k - 1]))
        want = weights[k] * ((eps - eps_theta) ** 2).sum(dim=1)
        if t_k == 1:  # beta_tilde_1 = 0: q is a point mass; compare the mean term only
            got = ((mu_tilde - mu_theta) ** 2).sum(dim=1) / (2 * sd**2)
        else:
            q = Independent(Normal(mu_tilde, torch.sqrt(var).expand_as(mu_tilde)), 1)
            p_theta = Independent(Normal(mu_theta, torch.full_like(mu_theta, sd)), 1)
            p_best = Independent(Normal(mu_tilde, torch.full_like(mu_tilde, sd)), 1)
            got = kl_divergence(q, p_theta) - kl_divergence(q, p_best)
        torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-12)
    assert ddpm_eps_loss_weight(3, betas, sigma2).ndim == 0


def test_eps_loss_weight_rejects_bad_sigma2() -> None:
    betas = _schedule(5)
    with pytest.raises(ValueError, match="sigma2"):
        ddpm_eps_loss_weight(torch.tensor([1]), betas, torch.zeros(5, dtype=F64))
    with pytest.raises(ValueError, match="sigma2"):
        ddpm_eps_loss_weight(torch.tensor([1]), betas, torch.ones(4, dtype=F64))


@pytest.mark.parametrize(("T", "n", "d"), [(1, 1, 1), (25, 5, 3)])
def test_prior_kl_matches_torch_distributions(T: int, n: int, d: int) -> None:
    betas = _schedule(T)
    x0 = 3 * torch.randn(n, d, generator=_gen(T), dtype=F64)
    abar = _abar(betas, T)
    q = Independent(Normal(math.sqrt(abar) * x0, torch.full_like(x0, math.sqrt(1 - abar))), 1)
    prior = Independent(Normal(torch.zeros_like(x0), torch.ones_like(x0)), 1)
    got = ddpm_prior_kl(x0, betas)
    assert got.shape == (n,)
    torch.testing.assert_close(got, kl_divergence(q, prior), rtol=1e-12, atol=1e-12)
