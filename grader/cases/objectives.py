"""Case generators for hw3: DDPM objective and score matching.

Arguments in contract order (``shared/spec/course.md``, hw3). Times are
``[N]`` int64 tensors in 1..T (one step per row); schedules come from
:func:`grader.cases._random.random_betas`. Score models are
:class:`~grader.sandbox.protocol.Fixture` descriptions of
:mod:`grader.sandbox.fixtures_objectives`.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.cases._random import randint, randn, random_betas, uniform
from grader.sandbox.protocol import Fixture

__all__ = ["CASES", "times", "reverse_variances", "score_model"]


def times(g: torch.Generator, t: int | str, T: int, N: int) -> torch.Tensor:
    """Time steps ``[N]`` (int64) of a config.

    Parameters
    ----------
    t : int or str
        An int k (every row k), ``"T"`` (every row T), ``"edges"`` (rows
        alternate 1, T, 1, ...) or ``"random"`` (uniform in 1..T, with the
        first row t = 1 and the last row t = T when N >= 2).
    """
    if t == "T":
        return torch.full((N,), T, dtype=torch.int64)
    if t == "edges":
        return torch.where(torch.arange(N) % 2 == 0, 1, T).to(torch.int64)
    if t == "random":
        out = randint(g, 1, T, N)
        if N >= 2:
            out[0], out[-1] = 1, T
        return out
    return torch.full((N,), int(t), dtype=torch.int64)


def reverse_variances(g: torch.Generator, betas: torch.Tensor, mode: str) -> torch.Tensor:
    """Reverse-process variances sigma_t^2 ``[T]``, all positive.

    ``"beta"``: sigma_t^2 = beta_t. ``"beta_tilde"``: sigma_t^2 =
    beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t for t >= 2 and
    beta_tilde_2 at t = 1 (beta_tilde_1 = 0; Ho et al.'s code clips it this
    way). ``"random"``: log-interpolation exp(v log beta_t + (1 - v) log
    beta_tilde_t) with v ~ U(0, 1) per step (Nichol & Dhariwal's learned
    range), same clipping at t = 1.
    """
    T = betas.shape[0]
    if mode == "beta" or T == 1:
        return betas.clone()
    abar = torch.cumprod(1 - betas, 0)
    abar_prev = torch.cat([abar.new_ones(1), abar[:-1]])
    tilde = (1 - abar_prev) / (1 - abar) * betas
    tilde[0] = tilde[1]
    if mode == "beta_tilde":
        return tilde
    v = uniform(g, 0.0, 1.0, T)
    return torch.exp(v * betas.log() + (1 - v) * tilde.log())


def score_model(g: torch.Generator, d: int, model: str) -> Fixture:
    """A score model fixture of the given ``model`` kind.

    ``"mlp"``, ``"mlp_big"`` (output scale 2, wider), ``"linear"`` (random A
    with off-diagonal entries, random b) or ``"exact"`` (A = -I, b = 0: the
    score of N(0, I)).
    """
    if model in ("mlp", "mlp_big"):
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=g))
        big = model == "mlp_big"
        return Fixture("mlp_score_model", {"d": d, "seed": seed, "hidden": 24 if big else 16,
                                           "scale": 2.0 if big else 1.0})
    if model == "linear":
        A = -torch.eye(d, dtype=torch.float64) + randn(g, d, d, scale=0.4)
        b = randn(g, d, scale=0.3)
        return Fixture("linear_score_model", {"A": A.tolist(), "b": b.tolist()})
    if model == "exact":
        return Fixture("linear_score_model", {"A": (-torch.eye(d, dtype=torch.float64)).tolist(),
                                              "b": [0.0] * d})
    raise ValueError(f"unknown score model {model!r}")


def ddpm_q_sample(g: torch.Generator, N: int, d: int, T: int,
                  t: int | str = "random",
                  schedule: str = "linear") -> dict[str, Any]:
    """Arguments (x0, t, betas, noise) of ``ddpm_q_sample``."""
    betas = random_betas(g, T, schedule)
    return {"x0": randn(g, N, d), "t": times(g, t, T, N), "betas": betas, "noise": randn(g, N, d)}


def posterior_mean_from_eps(g: torch.Generator, N: int, d: int, T: int,
                            t: int | str = "random",
                            schedule: str = "linear") -> dict[str, Any]:
    """Arguments (x_t, eps, t, betas) of ``posterior_mean_from_eps``."""
    betas = random_betas(g, T, schedule)
    return {"x_t": randn(g, N, d), "eps": randn(g, N, d), "t": times(g, t, T, N), "betas": betas}


def ddpm_eps_loss_weight(g: torch.Generator, N: int, T: int, t: int | str = "random",
                         sigma2: str = "beta",
                         schedule: str = "linear") -> dict[str, Any]:
    """Arguments (t, betas, sigma2) of ``ddpm_eps_loss_weight``; see :func:`reverse_variances`."""
    betas = random_betas(g, T, schedule)
    return {"t": times(g, t, T, N), "betas": betas, "sigma2": reverse_variances(g, betas, sigma2)}


def ddpm_prior_kl(g: torch.Generator, N: int, d: int, T: int,
                  x_scale: float = 1.0,
                  schedule: str = "linear") -> dict[str, Any]:
    """Arguments (x0, betas) of ``ddpm_prior_kl``."""
    betas = random_betas(g, T, schedule)
    return {"x0": randn(g, N, d, scale=x_scale), "betas": betas}


def implicit_score_matching_loss(g: torch.Generator, N: int, d: int, model: str = "mlp",
                                 x_scale: float = 1.0) -> dict[str, Any]:
    """Arguments (score_model, x) of ``implicit_score_matching_loss``; x ~ N(0, x_scale^2 I)."""
    fixture = score_model(g, d, model)
    return {"score_model": fixture, "x": randn(g, N, d, scale=x_scale)}


def denoising_score_matching_loss(g: torch.Generator, N: int, d: int, model: str = "mlp",
                                  sigma: float | str = "random") -> dict[str, Any]:
    """Arguments (score_model, x, sigma, noise) of ``denoising_score_matching_loss``.

    ``sigma`` is a Python float: the config's value, or ``"random"``
    (log-uniform in [0.05, 2]).
    """
    fixture = score_model(g, d, model)
    if sigma == "random":
        sigma = float(torch.exp(uniform(g, float(torch.log(torch.tensor(0.05))),
                                        float(torch.log(torch.tensor(2.0))))))
    x = randn(g, N, d, scale=1.5) + randn(g, 1, d)
    return {"score_model": fixture, "x": x, "sigma": float(sigma), "noise": randn(g, N, d)}


CASES = {
    "ddpm_q_sample": ddpm_q_sample,
    "posterior_mean_from_eps": posterior_mean_from_eps,
    "ddpm_eps_loss_weight": ddpm_eps_loss_weight,
    "ddpm_prior_kl": ddpm_prior_kl,
    "implicit_score_matching_loss": implicit_score_matching_loss,
    "denoising_score_matching_loss": denoising_score_matching_loss,
}
