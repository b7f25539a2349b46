"""Case generators of diffusion as a progressive VAE (``reference/vae.py``, quiz1).

Conventions (contract, quiz1): batches are ``(N, d)`` float64 tensors,
N(0, 1) unless said otherwise; ``alpha`` is a Python float, ``ell`` and
``k`` Python ints. Every generator takes a seeded ``torch.Generator`` ``g``,
the source of all its draws. (quiz1's OU functions ``ou_sample`` and
``ou_euler_step`` are in :mod:`grader.cases.sde`, next to their reference.)
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.cases.draws import integer_law, randn, resolve, uniform, uniform_law

__all__ = ["CASES"]


def _alpha(g: torch.Generator, alpha: float | str, levels: int = 1) -> float:
    """A config's alpha.

    ``"random"``: uniform in [0.5, 0.99); ``"ou"``: exp(-1/N_lev) with N_lev
    in 5..100 (problem 1(c)); ``"matched"``: alpha^levels uniform in
    [0.01, 0.9), so that many levels still leave a visible signal; a number
    is used as given.
    """
    return resolve(g, alpha, float, random=uniform_law(0.5, 0.99),
                   ou=lambda g_: math.exp(-1.0 / integer_law(5, 100)(g_)),
                   matched=lambda g_: float(uniform(g_, 0.01, 0.9)) ** (1.0 / max(levels, 1)))


def _chain(g: torch.Generator, N: int, d: int, names: tuple[str, str], levels: int | str,
           alpha: float | str) -> dict[str, Any]:
    """Arguments (start, alpha, levels, noise) of a run of the chain, named ``names``.

    ``levels`` is an int, ``"random"`` (uniform in 1..40) or ``"large"``
    (uniform in 100..1000), drawn first; then the start, alpha (see
    :func:`_alpha`) and the noise.
    """
    n = resolve(g, levels, int, random=integer_law(1, 40), large=integer_law(100, 1000))
    start, steps = names
    return {start: randn(g, N, d), "alpha": _alpha(g, alpha, n), steps: n, "noise": randn(g, N, d)}


def sample_z(g: torch.Generator, N: int, d: int, ell: int | str = "random",
             alpha: float | str = "matched") -> dict[str, Any]:
    """Arguments (z0, alpha, ell, noise) of ``sample_z`` (quiz1 problem 1(a)).

    Returns
    -------
    dict
        ``z0`` and ``noise``: ``[N, d]`` float64 N(0, 1); ``alpha``: a
        Python float; ``ell``: a Python int (see :func:`_chain`).
    """
    return _chain(g, N, d, ("z0", "ell"), ell, alpha)


def sample_z_forward(g: torch.Generator, N: int, d: int, k: int | str = "random",
                     alpha: float | str = "matched") -> dict[str, Any]:
    """Arguments (z_ell, alpha, k, noise) of ``sample_z_forward`` (quiz1 problem 1(b)).

    Returns
    -------
    dict
        The start ``z_ell`` and ``noise``, ``[N, d]`` float64 N(0, 1), the
        Python float ``alpha`` and the Python int ``k``, drawn as in
        :func:`sample_z` (``k`` first).
    """
    return _chain(g, N, d, ("z_ell", "k"), k, alpha)


def optimal_denoiser_at_L(g: torch.Generator, M: int, d: int) -> dict[str, Any]:
    """Argument y of ``optimal_denoiser_at_L`` (quiz1 problem 2(a)).

    Returns
    -------
    dict
        ``y``: ``[M, d]`` float64 uniform in [0, 1), M "images". Configs
        keep M != d, so a mean over the wrong axis has the wrong shape.
    """
    return {"y": uniform(g, 0.0, 1.0, M, d)}


def cvae_loss(g: torch.Generator, N: int, d: int, k: int) -> dict[str, Any]:
    """Arguments of ``cvae_loss`` (quiz1 problem 3).

    Returns
    -------
    dict
        ``z_prev`` ``[N, d]``; ``enc_mean`` and ``enc_logvar`` ``[N, k]``;
        ``dec_mean`` (z_prev plus N(0, 0.5^2)) and ``dec_logvar`` ``[N, d]``;
        all float64, log-variances N(0, 0.7^2), so variances range over
        about [0.1, 10].
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
    "optimal_denoiser_at_L": optimal_denoiser_at_L,
    "cvae_loss": cvae_loss,
}
