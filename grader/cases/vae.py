"""Case generators for quiz1: diffusion as a progressive VAE.

Conventions (contract, quiz1): batches are ``(N, d)`` float64 tensors;
``alpha``, ``t`` and ``dt`` are Python floats, ``ell`` and ``k`` Python
ints. Times are kept away from (0, 1e-3) unless they are exactly 0, so that
``1 - exp(-2t)`` and ``-expm1(-2t)`` agree to float64 accuracy (both are
correct; only the first cancels for tiny t).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.cases._random import randint, randn, uniform

__all__ = ["CASES"]


def _alpha(g: torch.Generator, alpha: float | str, levels: int = 1) -> float:
    """Resolve a config's alpha.

    ``"random"``: uniform in [0.5, 0.99]; ``"ou"``: exp(-1/N_lev) with N_lev in 5..100
    (problem 1(c)); ``"matched"``: alpha^levels uniform in [0.01, 0.9], so that many levels
    still leave a visible signal; a number is used as given.
    """
    if alpha == "matched":
        matched: float = float(uniform(g, 0.01, 0.9)) ** (1.0 / max(levels, 1))
        return matched
    if alpha == "random":
        return float(uniform(g, 0.5, 0.99))
    if alpha == "ou":
        return math.exp(-1.0 / int(randint(g, 5, 100, 1)))
    return float(alpha)


def _levels(g: torch.Generator, value: int | str) -> int:
    """``"random"``: uniform in 1..40; ``"large"``: uniform in 100..1000; else the int."""
    if value == "random":
        return int(randint(g, 1, 40, 1))
    if value == "large":
        return int(randint(g, 100, 1000, 1))
    return int(value)


def sample_z(
    g: torch.Generator, N: int, d: int, ell: int | str = "random", alpha: float | str = "matched"
) -> dict[str, Any]:
    """Arguments (z0 [N,d], alpha, ell, noise [N,d]) of problem 1(a)."""
    levels = _levels(g, ell)
    return {
        "z0": randn(g, N, d),
        "alpha": _alpha(g, alpha, levels),
        "ell": levels,
        "noise": randn(g, N, d),
    }


def sample_z_forward(
    g: torch.Generator, N: int, d: int, k: int | str = "random", alpha: float | str = "matched"
) -> dict[str, Any]:
    """Arguments (z_ell [N,d], alpha, k, noise [N,d]) of problem 1(b)."""
    levels = _levels(g, k)
    return {
        "z_ell": randn(g, N, d),
        "alpha": _alpha(g, alpha, levels),
        "k": levels,
        "noise": randn(g, N, d),
    }


def ou_sample(g: torch.Generator, N: int, d: int, t: float | str = "random") -> dict[str, Any]:
    """Arguments (w0 [N,d], t, noise [N,d]) of problem 1(d).

    ``"random"`` t is uniform in [0.01, 3].
    """
    time = float(uniform(g, 0.01, 3.0)) if t == "random" else float(t)
    return {"w0": randn(g, N, d), "t": time, "noise": randn(g, N, d)}


def ou_euler_step(g: torch.Generator, N: int, d: int, dt: float | str = "random") -> dict[str, Any]:
    """Arguments (w [N,d], dt, noise [N,d]) of problem 1(e).

    ``"random"`` dt is log-uniform in [1e-4, 0.5].
    """
    step = (
        float(math.exp(uniform(g, math.log(1e-4), math.log(0.5)))) if dt == "random" else float(dt)
    )
    return {"w": randn(g, N, d), "dt": step, "noise": randn(g, N, d)}


def optimal_denoiser_at_L(g: torch.Generator, M: int, d: int) -> dict[str, Any]:
    """Argument y [M,d]: M "images" with pixel values in [0, 1].

    Configs keep M != d, so a mean over the wrong axis has the wrong shape.
    """
    return {"y": uniform(g, 0.0, 1.0, M, d)}


def cvae_loss(g: torch.Generator, N: int, d: int, k: int) -> dict[str, Any]:
    """Arguments (z_prev [N,d], enc_mean [N,k], enc_logvar [N,k], dec_mean [N,d], dec_logvar [N,d]).

    Log-variances are N(0, 0.7^2), so variances range over about [0.1, 10].
    """
    z_prev = randn(g, N, d)
    return {
        "z_prev": z_prev,
        "enc_mean": randn(g, N, k),
        "enc_logvar": randn(g, N, k, scale=0.7),
        "dec_mean": z_prev + randn(g, N, d, scale=0.5),
        "dec_logvar": randn(g, N, d, scale=0.7),
    }


CASES = {
    "sample_z": sample_z,
    "sample_z_forward": sample_z_forward,
    "ou_sample": ou_sample,
    "ou_euler_step": ou_euler_step,
    "optimal_denoiser_at_L": optimal_denoiser_at_L,
    "cvae_loss": cvae_loss,
}
