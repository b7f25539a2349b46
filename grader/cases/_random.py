"""Seeded random building blocks for case generators (float64 throughout)."""

from __future__ import annotations

import torch

__all__ = ["randn", "uniform", "randint", "random_betas", "random_alphas", "pick_t"]


def randn(g: torch.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    """Standard normal samples times ``scale``, shape ``shape``."""
    return scale * torch.randn(tuple(shape), generator=g, dtype=torch.float64)


def uniform(g: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    """Uniform samples on [low, high), shape ``shape``."""
    return low + (high - low) * torch.rand(tuple(shape), generator=g, dtype=torch.float64)


def randint(g: torch.Generator, low: int, high: int, *shape: int) -> torch.Tensor:
    """Integers in [low, high] (inclusive), int64, shape ``shape``."""
    return torch.randint(low, high + 1, shape, generator=g, dtype=torch.int64)


def random_betas(g: torch.Generator, T: int, schedule: str = "linear") -> torch.Tensor:
    """A schedule beta_1..beta_T in (0, 0.5).

    ``"linear"``: a perturbed linear schedule, realistic but not canonical
    (beta_1 ~ 1e-3). ``"large"``: every beta_t uniform in [0.1, 0.5], where
    mistakes that are O(beta_t) (a missing 1/sqrt(alpha_t), beta_t for
    beta_tilde_t) are far outside float32 accuracy.
    """
    if schedule == "large":
        return uniform(g, 0.1, 0.5, T)
    if schedule != "linear":
        raise ValueError(f"unknown schedule {schedule!r}: 'linear' or 'large'")
    start = float(uniform(g, 1e-4, 2e-3))
    end = float(uniform(g, 0.01, 0.3)) if T < 50 else float(uniform(g, 0.01, 0.03))
    base = torch.linspace(start, end, T, dtype=torch.float64)
    return (base * uniform(g, 0.8, 1.2, T)).clamp(1e-5, 0.5)


def random_alphas(g: torch.Generator, T: int) -> torch.Tensor:
    """Cumulative DDIM alphas: alpha_1 > ... > alpha_T in (0, 1)."""
    betas = random_betas(g, T)
    return torch.cumprod(1 - betas, 0)


def pick_t(g: torch.Generator, t: int | str, T: int) -> int:
    """Resolve a config's ``t``.

    An int, ``"T"`` (last step), ``"random"`` (uniform in 1..T) or ``"early"``
    (uniform in 2..max(2, T // 10): on a long schedule the steps where
    beta_tilde_t and beta_t, or abar_t and abar_{t-1}, differ by percents, not
    by 1e-6 as near t = T).
    """
    if t == "T":
        return T
    if t == "random":
        return int(randint(g, 1, T, 1))
    if t == "early":
        return int(randint(g, min(2, T), max(2, T // 10), 1))
    return int(t)
