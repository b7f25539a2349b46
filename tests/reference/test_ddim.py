"""reference.ddim against diffusers' DDIMScheduler and exact Gaussian laws.

Reminder: ``alphas`` here is the *cumulative* alpha of the DDIM paper
(DDPM's abar_t). Monte-Carlo thresholds are 6 standard errors, so a correct
implementation fails with probability about 2e-9 per comparison.
"""

from __future__ import annotations

import math

import pytest
import torch

from reference.ddim import ddim_forward_process, ddim_sample, ddim_step

F64 = torch.float64
Z = 6.0  # standard errors allowed in Monte-Carlo checks


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _betas(T: int) -> torch.Tensor:
    return torch.linspace(1e-2, 0.3, T, dtype=torch.float32).to(F64)


def _cumulative_alphas(T: int) -> torch.Tensor:
    """alphas[t-1] = prod_{s<=t} (1 - beta_s), in Python floats."""
    return torch.tensor(
        [math.prod(1 - b for b in _betas(T).tolist()[:t]) for t in range(1, T + 1)], dtype=F64
    )


def _ddpm_sigmas(alphas: torch.Tensor, eta: float) -> torch.Tensor:
    """sigmas[t-1] = eta sqrt((1-alpha_{t-1})/(1-alpha_t) (1 - alpha_t/alpha_{t-1})), alpha_0 = 1.

    This is the DDPM choice (DDIM paper eq. 16); eta = 0 gives DDIM.
    """
    prev = torch.cat([torch.ones(1, dtype=F64), alphas[:-1]])
    return eta * torch.sqrt((1 - prev) / (1 - alphas) * (1 - alphas / prev))


def _ddim_scheduler(T: int, prediction_type: str):  # noqa: ANN202
    diffusers = pytest.importorskip("diffusers")
    sched = diffusers.DDIMScheduler(
        num_train_timesteps=T,
        trained_betas=_betas(T).numpy(),
        clip_sample=False,
        set_alpha_to_one=True,
        steps_offset=0,
        prediction_type=prediction_type,
    )
    sched.set_timesteps(T)  # timesteps T-1, ..., 0 and prev_timestep = tau - 1
    assert sched.timesteps.tolist() == list(range(T - 1, -1, -1))
    # diffusers keeps abar in float32; redo the product in float64 to compare at 1e-12.
    sched.alphas_cumprod = torch.cumprod(1.0 - sched.betas.to(F64), dim=0)
    sched.final_alpha_cumprod = torch.tensor(1.0, dtype=F64)
    torch.testing.assert_close(sched.alphas_cumprod, _cumulative_alphas(T), rtol=1e-14, atol=0)
    return sched


# ------------------------------------------------------------------ diffusers


@pytest.mark.parametrize("eta", [0.0, 1.0, 0.5])
def test_ddim_step_matches_diffusers(eta: float) -> None:
    """Mapping for one DDIMScheduler.step at diffusers timestep tau (0-indexed):

    ========================  =========================================
    diffusers                 contract (ddim_step)
    ========================  =========================================
    ``sample``                x_next = x_{t+1}, with t + 1 = tau + 1
    ``alpha_prod_t``          alpha_next = alphas[t] (cumulative)
    ``alpha_prod_t_prev``     alpha_t = alphas[t-1]; 1 at tau = 0
    ``pred_original_sample``  x0 (``prediction_type="sample"``)
    ``std_dev_t``             sigma_next = eta sqrt(_get_variance(tau, tau-1))
    ``variance_noise``        noise
    ========================  =========================================
    """
    T = 12
    sched = _ddim_scheduler(T, "sample")
    alphas = _cumulative_alphas(T)
    g = _gen(int(10 * eta))
    for tau in range(T - 1, -1, -1):
        x_next, x0, noise = (torch.randn(5, 3, generator=g, dtype=F64) for _ in range(3))
        alpha_next = alphas[tau]
        alpha_t = alphas[tau - 1] if tau > 0 else torch.tensor(1.0, dtype=F64)
        sigma_next = eta * torch.sqrt(sched._get_variance(tau, tau - 1))
        want = sched.step(x0, tau, x_next, eta=eta, variance_noise=noise).prev_sample
        got = ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise)
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
        # Python floats are accepted too.
        got_f = ddim_step(x_next, x0, float(alpha_t), float(alpha_next), float(sigma_next), noise)
        torch.testing.assert_close(got_f, want, rtol=1e-12, atol=1e-12)


def _eps_model(x: torch.Tensor, t: int) -> torch.Tensor:
    return 0.5 * torch.tanh(x) + 0.05 * t * torch.sin(x)


@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_ddim_sample_matches_diffusers_loop(eta: float) -> None:
    """ddim_sample = the scheduler loop over tau = T-1..0, eps_model(x, tau + 1),
    variance_noise = noise[tau]; the step at tau = 0 returns x0_hat since
    alpha_prev = 1 and the variance is 0."""
    T = 10
    sched = _ddim_scheduler(T, "epsilon")
    alphas = _cumulative_alphas(T)
    sigmas = _ddpm_sigmas(alphas, eta)
    g = _gen(20 + int(eta))
    x_T = torch.randn(6, 2, generator=g, dtype=F64)
    noise = torch.randn(T, 6, 2, generator=g, dtype=F64)
    x = x_T
    for tau in sched.timesteps.tolist():
        out = sched.step(_eps_model(x, tau + 1), tau, x, eta=eta, variance_noise=noise[tau])
        x = out.prev_sample
    torch.testing.assert_close(out.pred_original_sample, x, rtol=1e-12, atol=1e-12)
    got = ddim_sample(_eps_model, x_T, alphas, sigmas, noise)
    torch.testing.assert_close(got, x, rtol=1e-11, atol=1e-11)


# ---------------------------------------------------------- forward process


def _check_standard_normal(r: torch.Tensor, what: str) -> None:
    m = r.numel()
    mean, var = float(r.mean()), float(r.var())
    assert abs(mean) < Z / math.sqrt(m), f"{what}: mean {mean}"
    assert abs(var - 1.0) < Z * math.sqrt(2.0 / m), f"{what}: variance {var}"


@pytest.mark.parametrize("sigma_kind", ["zero", "ddpm", "max", "mixed"])
def test_forward_process_marginals_for_every_t(sigma_kind: str) -> None:
    """hw2 problem 2: X_t | X_0 ~ N(sqrt(alpha_t) x0, (1 - alpha_t) I) for every t."""
    T, n, d = 8, 20000, 2
    alphas = _cumulative_alphas(T)
    prev_gap = torch.cat([torch.zeros(1, dtype=F64), 1 - alphas[:-1]])  # 1 - alpha_{t-1}
    sigmas = {
        "zero": torch.zeros(T, dtype=F64),
        "ddpm": _ddpm_sigmas(alphas, 1.0),
        "max": torch.sqrt(prev_gap),  # sigma_{t+1}^2 = 1 - alpha_t: no "direction" term
        "mixed": torch.sqrt(prev_gap) * torch.linspace(0, 1, T, dtype=F64),
    }[sigma_kind]
    g = _gen(["zero", "ddpm", "max", "mixed"].index(sigma_kind))
    x0 = 2.0 * torch.randn(n, d, generator=g, dtype=F64)
    noise = torch.randn(T, n, d, generator=g, dtype=F64)
    path = ddim_forward_process(x0, alphas, sigmas, noise)
    assert path.shape == (T, n, d)
    for t in range(1, T + 1):
        a = float(alphas[t - 1])
        r = (path[t - 1] - math.sqrt(a) * x0) / math.sqrt(1 - a)
        _check_standard_normal(r, f"t={t}, sigma={sigma_kind}")


def test_forward_process_structure() -> None:
    """out[T-1] uses noise[T-1] only; with sigma_{t+1}^2 = 1 - alpha_t, X_t uses noise[t-1] only."""
    T = 5
    alphas = _cumulative_alphas(T)
    sigmas = torch.sqrt(torch.cat([torch.zeros(1, dtype=F64), 1 - alphas[:-1]]))
    g = _gen(3)
    x0 = torch.randn(1, 3, generator=g, dtype=F64)
    noise = torch.randn(T, 1, 3, generator=g, dtype=F64)
    path = ddim_forward_process(x0, alphas, sigmas, noise)
    want = alphas.sqrt()[:, None, None] * x0 + (1 - alphas).sqrt()[:, None, None] * noise
    torch.testing.assert_close(path, want, rtol=1e-12, atol=1e-12)
    # T = 1: only X_T.
    one = ddim_forward_process(x0, alphas[:1], sigmas[:1], noise[:1])
    torch.testing.assert_close(one[0], want[0], rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ sampler


def _exact_eps_model(mu: float, v: float, alphas: torch.Tensor):  # noqa: ANN202
    """Exact noise predictor for data N(mu, v) per coordinate: eps = -sqrt(1-alpha_t) score."""

    def eps_model(x: torch.Tensor, t: int) -> torch.Tensor:
        a = float(alphas[t - 1])
        score = -(x - math.sqrt(a) * mu) / (a * v + 1 - a)
        return -math.sqrt(1 - a) * score

    return eps_model


def _sampler_output_law(
    mu: float, v: float, alphas: torch.Tensor, sigmas: torch.Tensor
) -> tuple[float, float]:
    """Mean and variance of ddim_sample's output from X_T ~ N(0, 1), by affine propagation."""
    T = alphas.shape[0]
    m, var = 0.0, 1.0
    for t in range(T, 0, -1):
        a = float(alphas[t - 1])
        c = math.sqrt(1 - a) / (a * v + 1 - a)  # eps = c (x - sqrt(a) mu)
        slope_hat = (1 - math.sqrt(1 - a) * c) / math.sqrt(a)  # x0_hat = slope_hat x + icpt_hat
        icpt_hat = math.sqrt(1 - a) * c * mu
        if t == 1:
            return slope_hat * m + icpt_hat, slope_hat**2 * var
        a_prev, s = float(alphas[t - 2]), float(sigmas[t - 1])
        direction = math.sqrt(1 - a_prev - s**2)
        slope = math.sqrt(a_prev) * slope_hat + direction * c
        icpt = math.sqrt(a_prev) * icpt_hat - direction * c * math.sqrt(a) * mu
        m, var = slope * m + icpt, slope**2 * var + s**2
    raise AssertionError("unreachable")


@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_ddim_sample_exact_output_law_for_gaussian_data(eta: float) -> None:
    T, n = 10, 40000
    mu, v = 0.7, 0.25
    alphas = _cumulative_alphas(T)
    sigmas = _ddpm_sigmas(alphas, eta)
    g = _gen(30 + int(eta))
    x_T = torch.randn(n, 1, generator=g, dtype=F64)
    noise = torch.randn(T, n, 1, generator=g, dtype=F64)
    out = ddim_sample(_exact_eps_model(mu, v, alphas), x_T, alphas, sigmas, noise)
    m, var = _sampler_output_law(mu, v, alphas, sigmas)
    assert var < v  # finite T: narrower than the data (see the contract)
    _check_standard_normal((out - m) / math.sqrt(var), f"eta={eta}")


@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_ddim_sample_point_mass_data_is_recovered_exactly(eta: float) -> None:
    """For data = the point mu, the exact eps gives x0_hat = mu at every step."""
    T = 10
    alphas = _cumulative_alphas(T)
    g = _gen(40)
    x_T = torch.randn(4, 3, generator=g, dtype=F64)
    noise = torch.randn(T, 4, 3, generator=g, dtype=F64)
    eps_model = _exact_eps_model(-1.5, 0.0, alphas)
    out = ddim_sample(eps_model, x_T, alphas, _ddpm_sigmas(alphas, eta), noise)
    torch.testing.assert_close(out, torch.full_like(out, -1.5), rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------- errors


def test_errors_name_argument_and_limit() -> None:
    x = torch.zeros(2, 2, dtype=F64)
    with pytest.raises(ValueError, match="sigma\\^2 <= 1 - alpha"):
        ddim_step(x, x, 0.5, 0.4, 0.8, x)
    with pytest.raises(ValueError, match="alpha_next"):
        ddim_step(x, x, 0.5, 1.0, 0.1, x)
    with pytest.raises(ValueError, match="sigma_next"):
        ddim_step(x, x, 0.5, 0.4, -0.1, x)
    alphas = _cumulative_alphas(4)
    with pytest.raises(ValueError, match="noise"):
        ddim_forward_process(x, alphas, torch.zeros(4, dtype=F64), torch.zeros(3, 2, 2, dtype=F64))
    zeros, ones, noise = torch.zeros(4, dtype=F64), torch.ones(4, dtype=F64), torch.zeros(4, 2, 2)
    noise = noise.to(F64)
    with pytest.raises(ValueError, match="cumulative alpha_t"):
        ddim_sample(_eps_model, x, ones, zeros, noise)
    with pytest.raises(ValueError, match="t=4"):
        ddim_sample(_eps_model, x, alphas, ones, noise)
    with pytest.raises(TypeError, match="eps_model"):
        ddim_sample(None, x, alphas, zeros, noise)  # type: ignore[arg-type]
