"""Case generators for hw4: the Gaussian toy diffusion (problem 1) and DPO (problem 2).

Conventions (contract, hw4): the toy batch is ``(N,)``, ``sigma2`` and the
times are Python floats, ``n_steps`` a Python int and ``noise`` a
``(n_steps, N)`` tensor or ``None`` (the deterministic sampler). Time grids
are t = j / n_steps, computed that way, so t - dt = 0 exactly at the last
step. Log-probabilities of whole responses are negative and of realistic
size (tens of nats), with policy and reference differing by a few nats, so
that every correct formula (``logsigmoid``, ``-log(sigmoid)``, NumPy
``logaddexp``) is accurate to float64 rounding on them.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.cases._random import randint, randn, uniform

__all__ = ["CASES"]


def _sigma2(g: torch.Generator, sigma2: float | str, low: float = 0.01, high: float = 4.0) -> float:
    """Resolve a config's data variance: a number, or ``"random"`` (log-uniform on [low, high])."""
    if sigma2 == "random":
        return float(math.exp(uniform(g, math.log(low), math.log(high))))
    return float(sigma2)


def _n_steps(g: torch.Generator, n_steps: int | str, low: int, high: int) -> int:
    """Resolve a config's step count: an int, or ``"random"`` (uniform in low..high)."""
    if n_steps == "random":
        return int(randint(g, low, high, 1))
    return int(n_steps)


# -- problem 1: the toy -------------------------------------------------------------------------
def toy_marginal_var(
    g: torch.Generator, N: int, sigma2: float | str = "random", edges: bool = False
) -> dict[str, Any]:
    """Arguments (sigma2, t [N]); with ``edges`` the first times are 0 and 1."""
    s = _sigma2(g, sigma2)
    t = uniform(g, 0.0, 1.0, N)
    if edges:
        t[0] = 0.0
        if N >= 2:
            t[1] = 1.0
    return {"sigma2": s, "t": t}


def toy_reverse_conditional(
    g: torch.Generator,
    N: int,
    n_steps: int | str = "random",
    t: str = "random",
    sigma2: float | str = "random",
) -> dict[str, Any]:
    """Arguments (x_t [N], t, dt, sigma2) on the grid t = j/n_steps, dt = 1/n_steps.

    ``t`` is ``"first"`` (t = 1), ``"last"`` (t = dt, so t - dt = 0) or
    ``"random"`` (j uniform in 1..n_steps).
    """
    n = _n_steps(g, n_steps, 2, 200)
    s = _sigma2(g, sigma2)
    j = {"first": n, "last": 1}.get(t) or int(randint(g, 1, n, 1))
    return {"x_t": randn(g, N, scale=math.sqrt(s + j / n)), "t": j / n, "dt": 1 / n, "sigma2": s}


def toy_ddpm_sample(
    g: torch.Generator,
    N: int,
    n_steps: int | str = "random",
    noise: str = "gaussian",
    sigma2: float | str = "random",
    sigma2_range: tuple[float, float] = (0.01, 4.0),
    n_range: tuple[int, int] = (2, 30),
) -> dict[str, Any]:
    """Arguments (x1 [N], sigma2, n_steps, noise [n_steps, N] or None), X_1 ~ N(0, 1).

    ``noise`` is ``"gaussian"`` (the stochastic sampler) or ``"none"`` (the
    deterministic one, ``noise=None``). ``"random"`` n_steps and sigma2 are
    drawn from ``n_range`` (uniform) and ``sigma2_range`` (log-uniform).
    """
    n = _n_steps(g, n_steps, *n_range)
    s = _sigma2(g, sigma2, *sigma2_range)
    x1 = randn(g, N)
    z = randn(g, n, N) if noise == "gaussian" else None
    return {"x1": x1, "sigma2": s, "n_steps": n, "noise": z}


def toy_ddim_sample(
    g: torch.Generator,
    N: int,
    n_steps: int | str = "random",
    sigma2: float | str = "random",
    n_range: tuple[int, int] = (2, 60),
) -> dict[str, Any]:
    """Arguments (x1 [N], sigma2, n_steps) with X_1 ~ N(0, 1)."""
    n = _n_steps(g, n_steps, *n_range)
    s = _sigma2(g, sigma2)
    return {"x1": randn(g, N), "sigma2": s, "n_steps": n}


def toy_denoiser_target(
    g: torch.Generator, N: int, t: str = "random", sigma2: float | str = "random"
) -> dict[str, Any]:
    """Arguments (x_t [N], t, sigma2).

    ``t`` is ``"random"`` (one float), ``"batch"`` (an ``(N,)`` tensor of
    times, as in a training batch of problem 1(f), with 0 and 1 among them
    when N >= 3), ``"zero"`` or ``"one"``.
    """
    s = _sigma2(g, sigma2)
    times: float | torch.Tensor
    if t == "batch":
        times = uniform(g, 0.0, 1.0, N)
        if N >= 3:
            times[0], times[1] = 0.0, 1.0
    elif t == "zero":
        times = 0.0
    elif t == "one":
        times = 1.0
    else:
        times = float(uniform(g, 0.0, 1.0))
    return {"x_t": randn(g, N, scale=math.sqrt(s + 1)), "t": times, "sigma2": s}


# -- problem 2: preferences ---------------------------------------------------------------------
def _beta(g: torch.Generator, beta: float | str) -> float:
    if beta == "random":
        return float(math.exp(uniform(g, math.log(0.05), math.log(1.0))))
    return float(beta)


def optimal_policy(
    g: torch.Generator, N: int, V: int, beta: float | str = "random"
) -> dict[str, Any]:
    """Arguments (ref_probs [N,V], rewards [N,V], beta); rows of ref_probs sum to 1.

    Rewards are N(0, 1), so r/beta stays below about 100 and a direct
    ``exp(r/beta)`` does not overflow.
    """
    ref_probs = torch.softmax(randn(g, N, V, scale=1.5), dim=-1)
    return {"ref_probs": ref_probs, "rewards": randn(g, N, V), "beta": _beta(g, beta)}


def _logps(g: torch.Generator, N: int) -> dict[str, torch.Tensor]:
    """Log-probabilities of whole responses: reference in [-120, -5], policy within ~ +/-3 nats."""
    ref_c = -uniform(g, 5.0, 120.0, N)
    ref_r = -uniform(g, 5.0, 120.0, N)
    pol_c = ref_c + randn(g, N, scale=2.0)
    pol_r = ref_r + randn(g, N, scale=2.0)
    return {
        "policy_chosen_logps": pol_c,
        "policy_rejected_logps": pol_r,
        "reference_chosen_logps": ref_c,
        "reference_rejected_logps": ref_r,
    }


def dpo_pairs(g: torch.Generator, N: int, beta: float | str = "random") -> dict[str, Any]:
    """Arguments of ``dpo_loss`` and ``dpo_grad_weight``.

    (policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
    reference_rejected_logps), all ``(N,)``, and beta.
    """
    args: dict[str, Any] = _logps(g, N)
    args["beta"] = _beta(g, beta)
    return args


def bradley_terry_prob(g: torch.Generator, N: int, scale: float = 2.0) -> dict[str, Any]:
    """Arguments (reward_chosen [N], reward_rejected [N]), N(0, scale^2) rewards."""
    return {"reward_chosen": randn(g, N, scale=scale), "reward_rejected": randn(g, N, scale=scale)}


def plackett_luce_logprob(
    g: torch.Generator, N: int, K: int, beta: float | str = "random"
) -> dict[str, Any]:
    """Arguments (policy_logps [N,K], reference_logps [N,K], beta), responses in ranked order."""
    ref = -uniform(g, 5.0, 120.0, N, K)
    return {
        "policy_logps": ref + randn(g, N, K, scale=2.0),
        "reference_logps": ref,
        "beta": _beta(g, beta),
    }


CASES = {
    "toy_marginal_var": toy_marginal_var,
    "toy_reverse_conditional": toy_reverse_conditional,
    "toy_ddpm_sample": toy_ddpm_sample,
    "toy_ddim_sample": toy_ddim_sample,
    "toy_denoiser_target": toy_denoiser_target,
    "optimal_policy": optimal_policy,
    "dpo_pairs": dpo_pairs,
    "bradley_terry_prob": bradley_terry_prob,
    "plackett_luce_logprob": plackett_luce_logprob,
}
