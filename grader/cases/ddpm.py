"""Case generators of the DDPM functions (``reference/ddpm.py``).

hw2 problem 1 (the posterior q(x_{t-1} | x_t, x_0)) takes one step ``t`` as
a Python int (:func:`~grader.cases.draws.pick_t`); hw3 problem 2 (the DDPM
objective) takes ``[N]`` int64 times in 1..T, one per row (:func:`times`).
Arguments are returned in contract order (``shared/spec/course.md``).

Every generator takes a seeded ``torch.Generator`` ``g``, the source of all
its draws, and the keywords of one rubric config: ``N`` rows and ``d``
dimensions of a batch, ``T`` steps of the schedule, ``t`` the step(s) as
above, and ``schedule`` (``"linear"`` or ``"large"``), the kind of
``[T]`` float64 beta schedule :func:`~grader.cases.draws.random_betas` draws.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.cases.draws import pick_t, randint, randn, random_betas, uniform

__all__ = ["CASES", "times", "reverse_variances"]


def times(g: torch.Generator, t: int | str, T: int, N: int) -> torch.Tensor:
    """Time steps of an hw3 config, one per row.

    Parameters
    ----------
    t : int or {"T", "edges", "random"}
        An int k (every row k), ``"T"`` (every row T), ``"edges"`` (rows
        alternate 1, T, 1, ...) or ``"random"`` (uniform in 1..T, with the
        first row t = 1 and the last row t = T when N >= 2).
    T : int
        Schedule length.
    N : int
        Number of rows.

    Returns
    -------
    torch.Tensor
        ``[N]`` int64 in 1..T.
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
    """Reverse-process variances sigma_t^2 of hw3 problem 2, all positive.

    Parameters
    ----------
    betas : torch.Tensor
        ``[T]`` float64 schedule.
    mode : {"beta", "beta_tilde", "random"}
        ``"beta"``: sigma_t^2 = beta_t. ``"beta_tilde"``: sigma_t^2 =
        beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t for t >= 2 and
        beta_tilde_2 at t = 1 (beta_tilde_1 = 0; Ho et al.'s code clips it
        this way). ``"random"``: exp(v log beta_t + (1 - v) log beta_tilde_t)
        with v ~ U(0, 1) per step (Nichol & Dhariwal's learned range), same
        clipping at t = 1.

    Returns
    -------
    torch.Tensor
        ``[T]`` float64 (a copy of ``betas`` when T = 1).
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


# -- hw2 problem 1: the posterior --------------------------------------------------------------
def ddpm_posterior(g: torch.Generator, N: int, d: int, T: int, t: int | str = "random",
                   schedule: str = "linear") -> dict[str, Any]:
    """Arguments of ``ddpm_posterior`` (hw2 problem 1), drawn in the order t, x_t, x0, betas.

    Returns
    -------
    dict
        ``x_t`` and ``x0``: ``[N, d]`` float64 with N(0, 1) entries;
        ``betas``: ``[T]`` float64 (``schedule``); ``t``: a Python int in
        1..T (:func:`~grader.cases.draws.pick_t`).
    """
    t_ = pick_t(g, t, T)
    return {"x_t": randn(g, N, d), "x0": randn(g, N, d), "betas": random_betas(g, T, schedule), "t": t_}


def ddpm_posterior_mean_from_score(g: torch.Generator, N: int, d: int, T: int,
                                   t: int | str = "random", schedule: str = "linear") -> dict[str, Any]:
    """Arguments of ``ddpm_posterior_mean_from_score`` (hw2 problem 1).

    Returns
    -------
    dict
        ``x_t``: ``[N, d]`` float64, N(0, 1); ``score``: ``[N, d]`` float64,
        N(0, 2^2), about the size of grad log p_{t|0}; ``betas`` ``[T]`` and
        the int ``t``, drawn first, as in :func:`ddpm_posterior`.
    """
    betas = random_betas(g, T, schedule)
    t_ = pick_t(g, t, T)
    return {"x_t": randn(g, N, d), "score": randn(g, N, d, scale=2.0), "betas": betas, "t": t_}


# -- hw3 problem 2: the objective --------------------------------------------------------------
def ddpm_q_sample(g: torch.Generator, N: int, d: int, T: int, t: int | str = "random",
                  schedule: str = "linear") -> dict[str, Any]:
    """Arguments (x0, t, betas, noise) of ``ddpm_q_sample`` (hw3 problem 2).

    Returns
    -------
    dict
        ``x0`` and ``noise``: ``[N, d]`` float64 N(0, 1); ``t``: ``[N]`` int64
        (:func:`times`); ``betas``: ``[T]`` float64, drawn first.
    """
    betas = random_betas(g, T, schedule)
    return {"x0": randn(g, N, d), "t": times(g, t, T, N), "betas": betas, "noise": randn(g, N, d)}


def posterior_mean_from_eps(g: torch.Generator, N: int, d: int, T: int, t: int | str = "random",
                            schedule: str = "linear") -> dict[str, Any]:
    """Arguments (x_t, eps, t, betas) of ``posterior_mean_from_eps`` (hw3 problem 2).

    Returns
    -------
    dict
        ``x_t`` and ``eps``: independent ``[N, d]`` float64 N(0, 1) draws (the
        function is affine in both, so they need not be consistent); ``t``:
        ``[N]`` int64 times (:func:`times`); ``betas``: a ``[T]`` float64
        schedule, drawn first.
    """
    betas = random_betas(g, T, schedule)
    return {"x_t": randn(g, N, d), "eps": randn(g, N, d), "t": times(g, t, T, N), "betas": betas}


def ddpm_eps_loss_weight(g: torch.Generator, N: int, T: int, t: int | str = "random", sigma2: str = "beta",
                         schedule: str = "linear") -> dict[str, Any]:
    """Arguments (t, betas, sigma2) of ``ddpm_eps_loss_weight`` (hw3 problem 2).

    Parameters
    ----------
    sigma2 : {"beta", "beta_tilde", "random"}
        The reverse variances, see :func:`reverse_variances`.

    Returns
    -------
    dict
        ``t``: ``[N]`` int64 (:func:`times`); ``betas`` and ``sigma2``: ``[T]``
        float64, positive.
    """
    betas = random_betas(g, T, schedule)
    return {"t": times(g, t, T, N), "betas": betas, "sigma2": reverse_variances(g, betas, sigma2)}


def ddpm_prior_kl(g: torch.Generator, N: int, d: int, T: int, x_scale: float = 1.0,
                  schedule: str = "linear") -> dict[str, Any]:
    """Arguments (x0, betas) of ``ddpm_prior_kl`` (hw3 problem 2).

    Parameters
    ----------
    x_scale : float
        Standard deviation of the entries of ``x0``.

    Returns
    -------
    dict
        ``x0``: ``[N, d]`` float64, N(0, x_scale^2), drawn after the ``[T]``
        float64 ``betas``.
    """
    betas = random_betas(g, T, schedule)
    return {"x0": randn(g, N, d, scale=x_scale), "betas": betas}


CASES = {
    "ddpm_posterior": ddpm_posterior,
    "ddpm_posterior_mean_from_score": ddpm_posterior_mean_from_score,
    "ddpm_q_sample": ddpm_q_sample,
    "posterior_mean_from_eps": posterior_mean_from_eps,
    "ddpm_eps_loss_weight": ddpm_eps_loss_weight,
    "ddpm_prior_kl": ddpm_prior_kl,
}
