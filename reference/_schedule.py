"""1-indexed noise-schedule helpers shared by every DDPM-style module.

Glossary (Ho et al. 2020, arXiv:2006.11239, eq. 4):

=====================  ==================  ==============================
code                   symbol              definition
=====================  ==================  ==============================
``betas[t-1]``         beta_t              forward variance at step t
``alphas[t-1]``        alpha_t             1 - beta_t
``alphas_cumprod``     abar_t              prod_{s<=t} alpha_s
``abar_prev``          abar_{t-1}          with abar_0 = 1
=====================  ==================  ==============================

Time is 1-indexed as in the problem sets; the only place where ``t - 1``
appears is :func:`extract`.
"""

from __future__ import annotations

import torch

__all__ = ["alphas_cumprod", "alphas_cumprod_prev", "extract"]


def alphas_cumprod(betas: torch.Tensor) -> torch.Tensor:
    """Cumulative products abar_t = prod_{s<=t} (1 - beta_s).

    Parameters
    ----------
    betas : (T,) torch.Tensor
        beta_1 ... beta_T, each in (0, 1).

    Returns
    -------
    (T,) torch.Tensor
        ``out[t-1]`` is abar_t.
    """
    return torch.cumprod(1.0 - betas, dim=0)


def alphas_cumprod_prev(betas: torch.Tensor) -> torch.Tensor:
    """abar_{t-1} for t = 1..T, with abar_0 = 1.

    Parameters
    ----------
    betas : (T,) torch.Tensor

    Returns
    -------
    (T,) torch.Tensor
        ``out[t-1]`` is abar_{t-1}; ``out[0] == 1``.
    """
    abar = alphas_cumprod(betas)
    return torch.cat([abar.new_ones(1), abar[:-1]])


def extract(values: torch.Tensor, t: int | torch.Tensor, ndim: int) -> torch.Tensor:
    """Gather ``values`` at 1-indexed time ``t`` and shape it for broadcasting.

    Parameters
    ----------
    values : (T,) torch.Tensor
        A per-step quantity, ``values[t-1]`` belonging to step t.
    t : int or (N,) int64 torch.Tensor
        Time step(s) in 1..T.
    ndim : int
        Number of dimensions of the batch tensor the result multiplies
        (e.g. 2 for an ``[N, d]`` tensor).

    Returns
    -------
    torch.Tensor
        A 0-dim tensor for an integer ``t``; for a tensor ``t`` of shape
        ``(N,)``, shape ``(N, 1, ..., 1)`` with ``ndim`` dimensions.

    Raises
    ------
    ValueError
        If any ``t`` lies outside 1..T.
    """
    T = values.shape[0]
    if isinstance(t, torch.Tensor) and t.ndim > 0:
        idx = t.to(torch.int64)
        if bool(((idx < 1) | (idx > T)).any()):
            raise ValueError(f"time steps must lie in 1..{T}, got {idx.tolist()}")
        return values[idx - 1].reshape(-1, *([1] * (ndim - 1)))
    ti = int(t)
    if not 1 <= ti <= T:
        raise ValueError(f"time step t={ti} outside 1..{T}")
    return values[ti - 1]
