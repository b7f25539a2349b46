"""Case generators of the DDIM functions (``reference/ddim.py``, hw2 problem 2).

DDIM notation (Song et al. 2021, arXiv:2010.02502): ``alphas`` are the
cumulative alpha_1 > ... > alpha_T in (0, 1) (DDPM's abar_t), drawn by
:func:`~grader.cases.draws.random_alphas`; ``sigmas`` are ``[T]`` float64
with sigmas[0] unused. Every generator takes a seeded ``torch.Generator``
``g`` (the source of all its draws), ``N`` rows and ``d`` dimensions of a
batch and, for a whole schedule, ``T`` steps and ``sigma``, the kind of
sigmas (``"random"``, ``"zero"`` or ``"ddpm"``, see :func:`_sigmas`); it
returns the arguments in contract order.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.cases.draws import F64, randn, random_alphas, seed, uniform
from grader.sandbox.protocol import Fixture

__all__ = ["CASES"]


def _sigmas(g: torch.Generator, alphas: torch.Tensor, mode: str) -> torch.Tensor:
    """The DDIM noise levels sigma_t of a schedule.

    Parameters
    ----------
    alphas : torch.Tensor
        ``[T]`` float64 cumulative alphas.
    mode : {"zero", "ddpm", "random"}
        ``"zero"``: the deterministic sampler. ``"ddpm"``: the DDPM value
        sigma_t^2 = (1 - alpha_{t-1}) / (1 - alpha_t) (1 - alpha_t / alpha_{t-1}).
        ``"random"``: sigma_t^2 a uniform fraction in [0, 0.95) of the largest
        allowed value 1 - alpha_{t-1}.

    Returns
    -------
    torch.Tensor
        ``[T]`` float64; entry 0 is 0 (unused), entries 1..T-1 are sigma_2..sigma_T.
    """
    T = alphas.shape[0]
    sig = torch.zeros(T, dtype=F64)
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
    """Arguments (x_next, x0, alpha_t, alpha_next, sigma_next, noise) of one DDIM step.

    Parameters
    ----------
    sigma : {"random", "zero", "max"}
        ``"zero"``: sigma_{t+1} = 0. ``"max"``: the largest allowed value
        sqrt(1 - alpha_t): sigma_{t+1} = s in {2, ..., 7} / 16 and alpha_t =
        1 - s^2, exact in floating point (dyadic numbers), so that
        sqrt(1 - alpha_t - sigma^2) is sqrt(0) for every implementation, not
        sqrt(rounding). ``"random"``: a uniform fraction in [0, 0.95) of
        that largest value.

    Returns
    -------
    dict
        ``x_next``, ``x0``, ``noise``: ``[N, d]`` float64 N(0, 1); Python
        floats ``alpha_t`` uniform in [0.3, 0.97) (not ~1 - 1e-3 as at the
        start of a schedule, where a missing square root on alpha_t changes
        the output by only ~5e-4 relative), ``alpha_next`` = alpha_t times
        U[0.3, 0.95) and ``sigma_next``.
    """
    alpha_t = float(uniform(g, 0.3, 0.97))
    alpha_next = alpha_t * float(uniform(g, 0.3, 0.95))
    if sigma == "zero":
        s = 0.0
    elif sigma == "max":
        s = float(torch.randint(2, 8, (1,), generator=g)) / 16
        alpha_t = 1.0 - s * s
        alpha_next = alpha_t * float(uniform(g, 0.3, 0.95))
    else:
        s = float(uniform(g, 0.0, 0.95)) * (1 - alpha_t) ** 0.5
    return {"x_next": randn(g, N, d), "x0": randn(g, N, d), "alpha_t": alpha_t,
            "alpha_next": alpha_next, "sigma_next": s, "noise": randn(g, N, d)}


def ddim_forward_process(g: torch.Generator, N: int, d: int, T: int,
                         sigma: str = "random") -> dict[str, Any]:
    """Arguments (x0, alphas, sigmas, noise) of ``ddim_forward_process``.

    Returns
    -------
    dict
        ``x0``: ``[N, d]`` float64 N(0, 1); ``alphas`` (drawn first) and
        ``sigmas``: ``[T]`` float64; ``noise``: ``[T, N, d]`` float64 N(0, 1).
    """
    alphas = random_alphas(g, T)
    return {"x0": randn(g, N, d), "alphas": alphas, "sigmas": _sigmas(g, alphas, sigma),
            "noise": randn(g, T, N, d)}


def ddim_sample(g: torch.Generator, N: int, d: int, T: int, sigma: str = "random",
                model: str = "mlp", data_var: float = 0.5) -> dict[str, Any]:
    """Arguments (eps_model, x_T, alphas, sigmas, noise) of the DDIM sampler.

    Parameters
    ----------
    model : {"mlp", "gaussian"}
        ``eps_model``: the fixture ``mlp_eps_model`` (random weights from a
        drawn seed) or ``gaussian_ddim_eps_model``, the exact noise predictor
        of N(0, data_var I) data under ``alphas``.
    data_var : float
        Data variance of the ``"gaussian"`` model.

    Returns
    -------
    dict
        ``eps_model``: a :class:`~grader.sandbox.protocol.Fixture`;
        ``x_T``: ``[N, d]`` float64 N(0, 1); ``alphas``, ``sigmas``: ``[T]``
        float64; ``noise``: ``[T, N, d]`` float64 N(0, 1).
    """
    alphas = random_alphas(g, T)
    if model == "gaussian":
        eps_model = Fixture("gaussian_ddim_eps_model", {"alphas": alphas.tolist(), "data_var": data_var})
    else:
        eps_model = Fixture("mlp_eps_model", {"d": d, "T": T, "seed": seed(g)})
    return {"eps_model": eps_model, "x_T": randn(g, N, d), "alphas": alphas,
            "sigmas": _sigmas(g, alphas, sigma), "noise": randn(g, T, N, d)}


CASES = {
    "ddim_step": ddim_step,
    "ddim_forward_process": ddim_forward_process,
    "ddim_sample": ddim_sample,
}
