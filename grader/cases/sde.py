"""Case generators of the SDE functions (``reference/sde.py``).

Three processes (see ``reference/sde.py``): hw2 problem 3's OU process
dX = -X/2 dt + dW, hw1 problems 6-7 (the VE SDE and the reverse-SDE family
with that OU forward SDE) and quiz1 problem 1's OU process dw = -w dt +
sqrt(2) dB. Every generator takes a seeded ``torch.Generator`` ``g``, the
source of all its draws, and returns the arguments in contract order:
float64 tensors, Python floats and :class:`~grader.sandbox.protocol.Fixture`
score models. quiz1 times are kept away from (0, 1e-3) unless they are
exactly 0, so that ``1 - exp(-2t)`` and ``-expm1(-2t)`` agree to float64
accuracy (both are correct; only the first cancels for tiny t).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.cases.draws import F64, log_uniform, log_uniform_law, randn, resolve, seed, uniform, uniform_law
from grader.sandbox.protocol import Fixture

__all__ = ["CASES", "mixture_1d"]


# -- hw2 problem 3: the OU process -------------------------------------------------------------
def ou_coefficients(g: torch.Generator, N: int, t_max: float = 5.0) -> dict[str, Any]:
    """Argument t of ``ou_coefficients`` (hw2 problem 3).

    Returns
    -------
    dict
        ``t``: ``[N]`` float64 uniform in [0, t_max), with t[0] = 1e-4 and
        t[1] = t_max (a small and a large time) when N >= 3.
    """
    t = uniform(g, 0.0, t_max, N)
    if N >= 3:
        t[0], t[1] = 1e-4, t_max
    return {"t": t}


def reverse_ode_drift(g: torch.Generator, N: int) -> dict[str, Any]:
    """Arguments (x, t, score) of the probability-flow drift (hw2 problem 3(e)).

    Returns
    -------
    dict
        ``x`` and ``score``: ``[N]`` float64 N(0, 1); ``t``: ``[N]`` float64
        uniform in [0.01, 3).
    """
    return {"x": randn(g, N), "t": uniform(g, 0.01, 3.0, N), "score": randn(g, N)}


# -- hw1 problem 6: the VE SDE -----------------------------------------------------------------
def ve_sde_sample(g: torch.Generator, N: int, K: int, start: str = "positive",
                  flat: bool = False, inc_max: float = 2.0) -> dict[str, Any]:
    """Arguments (x0, sigma2, noise) of ``ve_sde_sample`` (hw1 problem 6).

    Parameters
    ----------
    N, K : int
        Batch size and number of steps (sigma2 has K + 1 entries).
    start : {"zero", "positive"}
        sigma2[0] = 0 or log-uniform in [0.01, 1].
    flat : bool
        Every other increment is exactly zero (sigma_t^2 constant over a
        step: non-decreasing, not increasing).
    inc_max : float
        Largest increment. With increments near 1, a missing square root
        (the variance increment used as the standard deviation) leaves the
        law of X_K - X_0 almost unchanged; the law check uses 0.25, so that
        mistake shrinks the variance at least fourfold.

    Returns
    -------
    dict
        ``x0``: ``[N]`` float64 N(0, 2^2); ``sigma2``: ``[K + 1]`` float64,
        increments log-uniform in [0.01, inc_max) (a geometric-like VE
        schedule, Song et al. 2021, arXiv:2011.13456, eq. 9); ``noise``:
        ``[K, N]`` float64 N(0, 1).
    """
    inc = log_uniform(g, 0.01, inc_max, K)
    if flat and K >= 2:
        inc[torch.arange(K) % 2 == 1] = 0.0
    first = 0.0 if start == "zero" else float(log_uniform(g, 0.01, 1.0))
    sigma2 = torch.cat([torch.tensor([first], dtype=F64), first + torch.cumsum(inc, 0)])
    return {"x0": randn(g, N, scale=2.0), "sigma2": sigma2, "noise": randn(g, K, N)}


# -- hw1 problem 7: the reverse-SDE family -----------------------------------------------------
def _lam(g: torch.Generator, lam: float | str) -> float:
    """Lambda <= 1 of a config: a number, or ``"random"`` (uniform in [-0.5, 1))."""
    return resolve(g, lam, float, random=uniform_law(-0.5, 1.0))


def reverse_sde_drift(g: torch.Generator, N: int, d: int, lam: float | str = "random") -> dict[str, Any]:
    """Arguments (x, f, g, score, lam) of ``reverse_sde_drift`` (hw1 problem 7).

    Returns
    -------
    dict
        ``x``: ``[N, d]`` float64 N(0, 1) and ``f`` = -x/2 (the OU drift);
        ``g``: a Python float uniform in [0.2, 2); ``score``: ``[N, d]``
        float64 N(0, 2^2); ``lam``: a Python float (``"random"``: uniform
        in [-0.5, 1)).
    """
    x = randn(g, N, d)
    return {"x": x, "f": -0.5 * x, "g": float(uniform(g, 0.2, 2.0)), "score": randn(g, N, d, scale=2.0),
            "lam": _lam(g, lam)}


def mixture_1d(g: torch.Generator, K: int = 2) -> dict[str, list[float]]:
    """Parameters of a 1-d Gaussian mixture data set (hw1 problem 7).

    Parameters
    ----------
    K : int
        Number of components.

    Returns
    -------
    dict
        ``w`` (weights uniform in [0.5, 1.5), normalised), ``means``
        (uniform in [-2, 2)) and ``stds`` (uniform in [0.35, 0.6)): lists of
        K Python floats, the parameters of the ``ou_mixture_score`` fixture.
    """
    w = uniform(g, 0.5, 1.5, K)
    return {"w": (w / w.sum()).tolist(), "means": uniform(g, -2.0, 2.0, K).tolist(),
            "stds": uniform(g, 0.35, 0.6, K).tolist()}


def _exact_p_T(g: torch.Generator, params: dict[str, list[float]], T: float, N: int) -> torch.Tensor:
    """``[N]`` float64 samples of p_T: the mixture ``params`` after time T of dX = -X/2 dt + dW."""
    w = torch.tensor(params["w"], dtype=F64)
    gamma = math.exp(-T / 2)
    mu = gamma * torch.tensor(params["means"], dtype=F64)
    sd = torch.sqrt(gamma**2 * torch.tensor(params["stds"], dtype=F64) ** 2 - math.expm1(-T))
    k = torch.multinomial(w, N, replacement=True, generator=g)
    return mu[k] + sd[k] * randn(g, N)


def reverse_sde_sample(g: torch.Generator, N: int, K: int, lam: float | str = "random",
                       T: float = 1.0, t_min: float = 0.05, score: str = "mixture",
                       components: int = 2, grid: str = "uniform",
                       x_T: str = "exact") -> dict[str, Any]:
    """Arguments (x_T, ts, score, lam, noise) of ``reverse_sde_sample`` (hw1 problem 7).

    Parameters
    ----------
    N, K : int
        Batch size and number of Euler-Maruyama steps (ts has K + 1 times).
    lam : float or "random"
        lambda <= 1 (``"random"``: uniform in [-0.5, 1)).
    T, t_min : float
        First and last time.
    score : {"mixture", "mlp"}
        ``ou_mixture_score`` (the exact score of a Gaussian-mixture data set
        of ``components`` components, :func:`mixture_1d`, drawn in either
        case) or ``ou_mlp_score`` (random weights from a drawn seed).
    grid : {"uniform", "random"}
        Equally spaced times, or sorted uniform draws between T and t_min.
    x_T : {"exact", "normal"}
        x_T drawn from the exact p_T of the mixture, or N(0, 1).

    Returns
    -------
    dict
        ``x_T``: ``[N]`` float64; ``ts``: ``[K + 1]`` float64, decreasing
        from T to t_min; ``score``: a :class:`~grader.sandbox.protocol.Fixture`;
        ``lam``: a Python float; ``noise``: ``[K, N]`` float64 N(0, 1).
    """
    lam_value = _lam(g, lam)
    params = mixture_1d(g, components)
    if score == "mlp":
        fixture = Fixture("ou_mlp_score", {"seed": seed(g)})
    else:
        fixture = Fixture("ou_mixture_score", params)
    if grid == "random" and K >= 2:
        inner = torch.sort(uniform(g, t_min, T, K - 1), descending=True).values
        ts = torch.cat([torch.tensor([T], dtype=F64), inner, torch.tensor([t_min], dtype=F64)])
    else:
        ts = torch.linspace(T, t_min, K + 1, dtype=F64)
    start = _exact_p_T(g, params, T, N) if x_T == "exact" else randn(g, N)
    return {"x_T": start, "ts": ts, "score": fixture, "lam": lam_value, "noise": randn(g, K, N)}


# -- quiz1 problem 1: the OU process as the limit of the VAE chain -----------------------------
def ou_sample(g: torch.Generator, N: int, d: int, t: float | str = "random") -> dict[str, Any]:
    """Arguments (w0, t, noise) of ``ou_sample`` (quiz1 problem 1(d)).

    Returns
    -------
    dict
        ``w0`` and ``noise``: ``[N, d]`` float64 N(0, 1); ``t``: a Python
        float, the config's number or ``"random"`` (uniform in [0.01, 3)),
        drawn first.
    """
    time = resolve(g, t, float, random=uniform_law(0.01, 3.0))
    return {"w0": randn(g, N, d), "t": time, "noise": randn(g, N, d)}


def ou_euler_step(g: torch.Generator, N: int, d: int, dt: float | str = "random") -> dict[str, Any]:
    """Arguments (w, dt, noise) of ``ou_euler_step`` (quiz1 problem 1(e)).

    Returns
    -------
    dict
        ``w`` and ``noise``: ``[N, d]`` float64 N(0, 1); ``dt``: a Python
        float, the config's number or ``"random"`` (log-uniform in [1e-4, 0.5)),
        drawn first.
    """
    step = resolve(g, dt, float, random=log_uniform_law(1e-4, 0.5))
    return {"w": randn(g, N, d), "dt": step, "noise": randn(g, N, d)}


CASES = {
    "ou_coefficients": ou_coefficients,
    "reverse_ode_drift": reverse_ode_drift,
    "ve_sde_sample": ve_sde_sample,
    "reverse_sde_drift": reverse_sde_drift,
    "reverse_sde_sample": reverse_sde_sample,
    "ou_sample": ou_sample,
    "ou_euler_step": ou_euler_step,
}
