"""Case generators of the Gaussian toy diffusion (``reference/toy.py``, hw4 problem 1).

Conventions (contract, hw4): the toy batch is ``(N,)`` float64, ``sigma2``
(the data variance) and the times are Python floats, ``n_steps`` a Python
int and ``noise`` a ``(n_steps, N)`` tensor or ``None`` (the deterministic
sampler). Time grids are t = j / n_steps, computed that way, so t - dt = 0
exactly at the last step. Every generator takes a seeded
``torch.Generator`` ``g``, the source of all its draws, and ``N``, the
batch size; ``sigma2`` and ``n_steps`` are a number or ``"random"``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.cases.draws import integer_law, log_uniform_law, randint, randn, resolve, uniform

__all__ = ["CASES"]


def _sigma2(g: torch.Generator, sigma2: float | str, low: float = 0.01, high: float = 4.0) -> float:
    """A config's data variance: a number, or ``"random"`` (log-uniform in [low, high))."""
    return resolve(g, sigma2, float, random=log_uniform_law(low, high))


def _n_steps(g: torch.Generator, n_steps: int | str, low: int, high: int) -> int:
    """A config's step count: an int, or ``"random"`` (uniform in low..high)."""
    return resolve(g, n_steps, int, random=integer_law(low, high))


def toy_marginal_var(g: torch.Generator, N: int, sigma2: float | str = "random",
                     edges: bool = False) -> dict[str, Any]:
    """Arguments (sigma2, t) of ``toy_marginal_var`` (hw4 problem 1(b)).

    Returns
    -------
    dict
        ``sigma2``: a Python float (drawn first); ``t``: ``[N]`` float64
        uniform in [0, 1), with t[0] = 0 and t[1] = 1 if ``edges``.
    """
    s = _sigma2(g, sigma2)
    t = uniform(g, 0.0, 1.0, N)
    if edges:
        t[0] = 0.0
        if N >= 2:
            t[1] = 1.0
    return {"sigma2": s, "t": t}


def toy_reverse_conditional(g: torch.Generator, N: int, n_steps: int | str = "random", t: str = "random",
                            sigma2: float | str = "random") -> dict[str, Any]:
    """Arguments (x_t, t, dt, sigma2) of ``toy_reverse_conditional`` (hw4 problem 1(c)).

    Parameters
    ----------
    n_steps : int or "random"
        Grid size n (``"random"``: uniform in 2..200).
    t : {"random", "first", "last"}
        The step j of t = j/n: ``"first"`` (t = 1), ``"last"`` (t = dt, so
        t - dt = 0); anything else draws j uniform in 1..n.

    Returns
    -------
    dict
        ``x_t``: ``[N]`` float64 from the marginal N(0, sigma2 + t);
        Python floats ``t`` = j/n, ``dt`` = 1/n and ``sigma2``.
    """
    n = _n_steps(g, n_steps, 2, 200)
    s = _sigma2(g, sigma2)
    j = {"first": n, "last": 1}.get(t) or int(randint(g, 1, n, 1))
    return {"x_t": randn(g, N, scale=math.sqrt(s + j / n)), "t": j / n, "dt": 1 / n, "sigma2": s}


def toy_ddpm_sample(g: torch.Generator, N: int, n_steps: int | str = "random", noise: str = "gaussian",
                    sigma2: float | str = "random", sigma2_range: tuple[float, float] = (0.01, 4.0),
                    n_range: tuple[int, int] = (2, 30)) -> dict[str, Any]:
    """Arguments (x1, sigma2, n_steps, noise) of ``toy_ddpm_sample`` (hw4 problem 1(d)-(e)).

    Parameters
    ----------
    noise : {"gaussian", "none"}
        The stochastic sampler, or the deterministic one (``noise=None``).
    sigma2_range, n_range : pair of numbers
        Ranges of ``"random"`` sigma2 (log-uniform) and n_steps (uniform).

    Returns
    -------
    dict
        ``x1``: ``[N]`` float64, X_1 ~ N(0, 1); ``sigma2``: a Python float;
        ``n_steps``: a Python int; ``noise``: ``[n_steps, N]`` float64
        N(0, 1), or None.
    """
    n = _n_steps(g, n_steps, *n_range)
    s = _sigma2(g, sigma2, *sigma2_range)
    x1 = randn(g, N)
    z = randn(g, n, N) if noise == "gaussian" else None
    return {"x1": x1, "sigma2": s, "n_steps": n, "noise": z}


def toy_ddim_sample(g: torch.Generator, N: int, n_steps: int | str = "random", sigma2: float | str = "random",
                    n_range: tuple[int, int] = (2, 60)) -> dict[str, Any]:
    """Arguments (x1, sigma2, n_steps) of ``toy_ddim_sample`` (hw4 problem 1(g)-(h)).

    Returns
    -------
    dict
        Drawn in this order: ``n_steps``, a Python int (``"random"``: uniform
        in ``n_range``); ``sigma2``, a Python float (``"random"``:
        log-uniform in [0.01, 4)); ``x1``, ``[N]`` float64, X_1 ~ N(0, 1).
    """
    n = _n_steps(g, n_steps, *n_range)
    s = _sigma2(g, sigma2)
    return {"x1": randn(g, N), "sigma2": s, "n_steps": n}


def toy_denoiser_target(g: torch.Generator, N: int, t: str = "random",
                        sigma2: float | str = "random") -> dict[str, Any]:
    """Arguments (x_t, t, sigma2) of ``toy_denoiser_target`` (hw4 problem 1(f)).

    Parameters
    ----------
    t : {"random", "batch", "zero", "one"}
        One float uniform in [0, 1), an ``(N,)`` float64 tensor of such
        times (as in a training batch of problem 1(f), with 0 and 1 among
        them when N >= 3), 0.0 or 1.0.

    Returns
    -------
    dict
        ``x_t``: ``[N]`` float64 N(0, sigma2 + 1); ``t``: a Python float or
        ``[N]`` float64; ``sigma2``: a Python float, drawn first.
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


CASES = {
    "toy_marginal_var": toy_marginal_var,
    "toy_reverse_conditional": toy_reverse_conditional,
    "toy_ddpm_sample": toy_ddpm_sample,
    "toy_ddim_sample": toy_ddim_sample,
    "toy_denoiser_target": toy_denoiser_target,
}
