"""Case generators for DDPM, DDIM and the OU problem (hw2 problems 1-3)."""

from __future__ import annotations

from typing import Any

import torch

from grader.cases._random import pick_t, randn, random_alphas, random_betas, uniform
from grader.sandbox.protocol import Fixture

__all__ = ["CASES"]


def ddpm_posterior(g: torch.Generator, N: int, d: int, T: int, t: int | str = "random",
                   schedule: str = "linear") -> dict[str, Any]:
    """Arguments (x_t, x0, betas, t) of ``ddpm_posterior`` (``schedule``: see ``random_betas``)."""
    t_ = pick_t(g, t, T)
    return {"x_t": randn(g, N, d), "x0": randn(g, N, d), "betas": random_betas(g, T, schedule), "t": t_}


def ddpm_posterior_mean_from_score(g: torch.Generator, N: int, d: int, T: int,
                                   t: int | str = "random", schedule: str = "linear") -> dict[str, Any]:
    """Arguments (x_t, score, betas, t); ``score`` is that of p_{t|0} at a random x0."""
    betas = random_betas(g, T, schedule)
    t_ = pick_t(g, t, T)
    return {"x_t": randn(g, N, d), "score": randn(g, N, d, scale=2.0), "betas": betas, "t": t_}


def _sigmas(g: torch.Generator, alphas: torch.Tensor, mode: str) -> torch.Tensor:
    """sigma_t (sigmas[0] unused): 0, the DDPM value, or random in the allowed range."""
    T = alphas.shape[0]
    sig = torch.zeros(T, dtype=torch.float64)
    if mode == "zero":
        return sig
    alpha_prev = alphas[:-1]  # alpha_{t-1} for t = 2..T
    alpha_t = alphas[1:]
    if mode == "ddpm":
        var = (1 - alpha_prev) / (1 - alpha_t) * (1 - alpha_t / alpha_prev)
    else:  # random fraction u of the largest allowed value 1 - alpha_{t-1}
        var = uniform(g, 0.0, 0.95, T - 1) * (1 - alpha_prev)
    sig[1:] = var.sqrt()
    return sig


def ddim_step(g: torch.Generator, N: int, d: int, sigma: str = "random") -> dict[str, Any]:
    """Arguments (x_next, x0, alpha_t, alpha_next, sigma_next, noise) of one DDIM step."""
    # alpha_t spread over (0.3, 0.97), not ~1 - 1e-3 as at the start of a schedule: there a
    # missing square root on alpha_t changes the output by only ~5e-4 relative.
    alpha_t = float(uniform(g, 0.3, 0.97))
    alpha_next = alpha_t * float(uniform(g, 0.3, 0.95))
    if sigma == "zero":
        s = 0.0
    elif sigma == "max":
        # sigma_{t+1}^2 = 1 - alpha_t exactly in floating point (dyadic numbers), so that
        # sqrt(1 - alpha_t - sigma^2) is sqrt(0) for every implementation, not sqrt(rounding).
        s = float(torch.randint(2, 8, (1,), generator=g)) / 16
        alpha_t = 1.0 - s * s
        alpha_next = alpha_t * float(uniform(g, 0.3, 0.95))
    else:
        s = float(uniform(g, 0.0, 0.95)) * (1 - alpha_t) ** 0.5
    return {"x_next": randn(g, N, d), "x0": randn(g, N, d), "alpha_t": alpha_t,
            "alpha_next": alpha_next, "sigma_next": s, "noise": randn(g, N, d)}


def ddim_forward_process(g: torch.Generator, N: int, d: int, T: int,
                         sigma: str = "random") -> dict[str, Any]:
    """Arguments (x0, alphas, sigmas, noise) of the DDIM forward process."""
    alphas = random_alphas(g, T)
    return {"x0": randn(g, N, d), "alphas": alphas, "sigmas": _sigmas(g, alphas, sigma),
            "noise": randn(g, T, N, d)}


def ddim_sample(g: torch.Generator, N: int, d: int, T: int, sigma: str = "random",
                model: str = "mlp", data_var: float = 0.5) -> dict[str, Any]:
    """Arguments (eps_model, x_T, alphas, sigmas, noise) of the DDIM sampler."""
    alphas = random_alphas(g, T)
    if model == "gaussian":
        eps_model = Fixture("gaussian_ddim_eps_model", {"alphas": alphas.tolist(), "data_var": data_var})
    else:
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=g))
        eps_model = Fixture("mlp_eps_model", {"d": d, "T": T, "seed": seed})
    return {"eps_model": eps_model, "x_T": randn(g, N, d), "alphas": alphas,
            "sigmas": _sigmas(g, alphas, sigma), "noise": randn(g, T, N, d)}


def ou_coefficients(g: torch.Generator, N: int, t_max: float = 5.0) -> dict[str, Any]:
    """Argument t [N] of ``ou_coefficients``, including small and large times."""
    t = uniform(g, 0.0, t_max, N)
    if N >= 3:
        t[0], t[1] = 1e-4, t_max
    return {"t": t}


def dsm_loss(g: torch.Generator, N: int, t_max: float = 3.0, model: str = "mlp",
             m: float = 0.0, lam: str = "random") -> dict[str, Any]:
    """Arguments (eps_model, x0, t, eps, lam) of the OU denoising score matching loss."""
    t = uniform(g, 1e-3, t_max, N)
    if model == "linear":
        eps_model = Fixture("ou_linear_eps_model", {"m": m})
    else:
        eps_model = Fixture("ou_mlp_eps_model", {"seed": int(torch.randint(0, 2**31 - 1, (1,), generator=g))})
    lam_values = -torch.expm1(-t) if lam == "sigma2" else uniform(g, 0.1, 2.0, N)
    return {"eps_model": eps_model, "x0": randn(g, N), "t": t, "eps": randn(g, N), "lam": lam_values}


def reverse_ode_drift(g: torch.Generator, N: int) -> dict[str, Any]:
    """Arguments (x, t, score) of the probability-flow drift."""
    return {"x": randn(g, N), "t": uniform(g, 0.01, 3.0, N), "score": randn(g, N)}


CASES = {
    "ddpm_posterior": ddpm_posterior,
    "ddpm_posterior_mean_from_score": ddpm_posterior_mean_from_score,
    "ddim_step": ddim_step,
    "ddim_forward_process": ddim_forward_process,
    "ddim_sample": ddim_sample,
    "ou_coefficients": ou_coefficients,
    "dsm_loss": dsm_loss,
    "reverse_ode_drift": reverse_ode_drift,
}
