"""Seeded random building blocks shared by the case generators.

Every function takes a seeded ``torch.Generator`` first and draws from it
only, in float64 (int64 for integers), so the same seed gives the same
inputs. :func:`resolve` turns a config value that is either a number or the
name of a draw (``"random"``, ``"large"``, ...) into a Python number; the
``*_law`` factories build the draws it is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import torch

__all__ = [
    "F64",
    "Law",
    "randn",
    "uniform",
    "log_uniform",
    "randint",
    "seed",
    "spd",
    "random_betas",
    "random_alphas",
    "pick_t",
    "resolve",
    "uniform_law",
    "log_uniform_law",
    "integer_law",
]

#: The dtype of every float tensor a case generator returns.
F64 = torch.float64

#: A scalar draw: ``law(g)`` returns one Python number drawn from ``g``.
Law = Callable[[torch.Generator], float]

NumberT = TypeVar("NumberT", int, float)


def randn(g: torch.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    """Standard normal samples times ``scale``: float64, shape ``shape`` (``()`` if none)."""
    x = torch.randn(tuple(shape), generator=g, dtype=F64)
    return x if scale == 1.0 else x.mul_(scale)  # in place: the same numbers, no second tensor


def uniform(g: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    """Uniform samples on [low, high): float64, shape ``shape`` (``()`` if none)."""
    return low + (high - low) * torch.rand(tuple(shape), generator=g, dtype=F64)


def log_uniform(g: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    """Log-uniform samples on [low, high): float64 ``exp(U(log low, log high))``, shape ``shape``."""
    return torch.exp(uniform(g, math.log(low), math.log(high), *shape))


def randint(g: torch.Generator, low: int, high: int, *shape: int) -> torch.Tensor:
    """Integers in [low, high] (inclusive): int64, shape ``shape``."""
    return torch.randint(low, high + 1, shape, generator=g, dtype=torch.int64)


def seed(g: torch.Generator) -> int:
    """A seed for a fixture's own weights: a Python int uniform in [0, 2**31 - 2]."""
    return int(torch.randint(0, 2**31 - 1, (1,), generator=g))


def spd(g: torch.Generator, d: int, low: float, high: float, kind: str = "full") -> torch.Tensor:
    """A random symmetric positive definite matrix with eigenvalues in [low, high].

    Parameters
    ----------
    d : int
        Dimension.
    low, high : float
        Range of the eigenvalues (uniform draws).
    kind : {"full", "diagonal", "isotropic"}
        ``"full"``: Q diag(eig) Q^T with Q from the QR decomposition of a
        N(0, 1) matrix, symmetrised; ``"diagonal"``: diag(eig);
        ``"isotropic"``: c I with one c drawn in [low, high].

    Returns
    -------
    torch.Tensor
        ``[d, d]`` float64.
    """
    if kind == "isotropic":
        return float(uniform(g, low, high)) * torch.eye(d, dtype=F64)
    eig = uniform(g, low, high, d)
    if kind == "diagonal":
        return torch.diag(eig)
    q, _ = torch.linalg.qr(randn(g, d, d))
    mat: torch.Tensor = q @ torch.diag(eig) @ q.T
    symmetric: torch.Tensor = 0.5 * (mat + mat.T)
    return symmetric


def random_betas(g: torch.Generator, T: int, schedule: str = "linear") -> torch.Tensor:
    """A DDPM schedule beta_1..beta_T in (0, 0.5].

    Parameters
    ----------
    T : int
        Number of steps.
    schedule : {"linear", "large"}
        ``"linear"``: a perturbed linear schedule, realistic but not
        canonical (beta_1 ~ 1e-3; Ho et al. 2020 use 1e-4 to 0.02).
        ``"large"``: every beta_t uniform in [0.1, 0.5], where mistakes that
        are O(beta_t) (a missing 1/sqrt(alpha_t), beta_t for beta_tilde_t)
        are far outside float32 accuracy.

    Returns
    -------
    torch.Tensor
        ``[T]`` float64.
    """
    if schedule == "large":
        return uniform(g, 0.1, 0.5, T)
    if schedule != "linear":
        raise ValueError(f"unknown schedule {schedule!r}: 'linear' or 'large'")
    start = float(uniform(g, 1e-4, 2e-3))
    end = float(uniform(g, 0.01, 0.3)) if T < 50 else float(uniform(g, 0.01, 0.03))
    base = torch.linspace(start, end, T, dtype=F64)
    return (base * uniform(g, 0.8, 1.2, T)).clamp(1e-5, 0.5)


def random_alphas(g: torch.Generator, T: int) -> torch.Tensor:
    """Cumulative DDIM alphas alpha_1 > ... > alpha_T in (0, 1): ``[T]`` float64.

    The cumulative product of 1 - beta_t for a ``"linear"``
    :func:`random_betas` schedule (Song et al. 2021, arXiv:2010.02502, write
    alpha_t for DDPM's abar_t).
    """
    betas = random_betas(g, T)
    return torch.cumprod(1 - betas, 0)


def resolve(g: torch.Generator, value: float | str, cast: type[NumberT], /, **draws: Law) -> NumberT:
    """A config value that is a number or the name of a draw, as a Python number.

    Parameters
    ----------
    value : int, float or str
        A number (used as given), or a key of ``draws``.
    cast : {int, float}
        Type of the result.
    **draws : Law
        Named draws, e.g. ``random=uniform_law(0.5, 0.99)``; only the one
        named by ``value`` is called, so other names draw nothing.

    Returns
    -------
    int or float
        ``cast(draws[value](g))`` if ``value`` names a draw, else ``cast(value)``.

    Raises
    ------
    ValueError
        If ``value`` is a string that is neither a draw's name nor a number.
    """
    if isinstance(value, str) and value in draws:
        return cast(draws[value](g))
    try:
        return cast(value)
    except ValueError:
        raise ValueError(f"config value {value!r}: a number or one of {sorted(draws)}") from None


def uniform_law(low: float, high: float) -> Law:
    """The draw ``float(U[low, high))`` for :func:`resolve`."""
    return lambda g: float(uniform(g, low, high))


def log_uniform_law(low: float, high: float) -> Law:
    """The draw ``math.exp(U[log low, log high))`` (a Python float) for :func:`resolve`.

    ``math.exp`` of the float64 draw, where :func:`log_uniform` uses
    ``torch.exp``: each keeps the exact values its callers have always drawn.
    """
    return lambda g: float(math.exp(uniform(g, math.log(low), math.log(high))))


def integer_law(low: int, high: int) -> Callable[[torch.Generator], int]:
    """The draw of one integer uniform in low..high (inclusive) for :func:`resolve`."""
    return lambda g: int(randint(g, low, high, 1))


def pick_t(g: torch.Generator, t: int | str, T: int) -> int:
    """A config's DDPM step ``t`` as an int in 1..T.

    Parameters
    ----------
    t : int or {"T", "random", "early"}
        An int (used as given), ``"T"`` (the last step), ``"random"``
        (uniform in 1..T) or ``"early"`` (uniform in min(2, T)..max(2, T // 10):
        on a long schedule the steps where beta_tilde_t and beta_t, or abar_t
        and abar_{t-1}, differ by percents, not by 1e-6 as near t = T).
    T : int
        Schedule length.

    Returns
    -------
    int
        The step.
    """
    return resolve(g, t, int, T=lambda _: T, random=integer_law(1, T),
                   early=integer_law(min(2, T), max(2, T // 10)))
