"""Argument checks shared by the reference modules.

Every check raises :class:`TypeError` or :class:`ValueError` with a message
that names the argument, the value received and what is allowed; none of
them uses ``assert`` (which ``python -O`` strips).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch

__all__ = [
    "require_betas",
    "require_callable",
    "require_positive",
    "require_scalar",
    "require_shape",
    "require_steps",
    "require_tensor",
    "require_time",
]


def require_tensor(value: Any, name: str, ndim: int | None = None) -> torch.Tensor:
    """Return ``value`` if it is a floating tensor (of ``ndim`` dims), else raise.

    Parameters
    ----------
    value : Any
        The argument to check.
    name : str
        The argument's name, used in the message.
    ndim : int, optional
        Required number of dimensions.

    Returns
    -------
    torch.Tensor
        ``value`` itself (never a copy).

    Raises
    ------
    TypeError
        If ``value`` is not a floating-point ``torch.Tensor``.
    ValueError
        If ``value.ndim != ndim``.
    """
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(
            f"{name} must be a floating-point tensor (float64), got dtype {value.dtype}"
        )
    if ndim is not None and value.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimension(s), got shape {tuple(value.shape)} "
            f"({value.ndim} dimension(s))"
        )
    return value


def require_shape(value: torch.Tensor, name: str, shape: tuple[int, ...]) -> None:
    """Raise :class:`ValueError` unless ``value.shape == shape``.

    Parameters
    ----------
    value : torch.Tensor
        The argument to check.
    name : str
        The argument's name, used in the message.
    shape : tuple of int
        The required shape.

    Raises
    ------
    ValueError
        If the shapes differ.
    """
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(value.shape)}")


def require_callable(value: Any, name: str) -> Callable[..., Any]:
    """Return ``value`` if it is callable (a function or ``nn.Module``), else raise.

    Parameters
    ----------
    value : Any
        The argument to check.
    name : str
        The argument's name, used in the message.

    Returns
    -------
    callable
        ``value`` itself.

    Raises
    ------
    TypeError
        If ``value`` is not callable.
    """
    if not callable(value):
        raise TypeError(
            f"{name} must be callable (a function or torch.nn.Module), got {type(value).__name__}"
        )
    checked: Callable[..., Any] = value
    return checked


def require_scalar(value: Any, name: str, like: torch.Tensor) -> torch.Tensor:
    """Convert a real number or 0-dim tensor to a 0-dim tensor like ``like``.

    Parameters
    ----------
    value : float or 0-dim torch.Tensor
        The argument to convert.
    name : str
        The argument's name, used in the message.
    like : torch.Tensor
        Supplies dtype and device.

    Returns
    -------
    () torch.Tensor

    Raises
    ------
    TypeError
        If ``value`` is not a real number or a tensor with one element.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, torch.Tensor)):
        raise TypeError(f"{name} must be a real number or 0-dim tensor, got {type(value).__name__}")
    if isinstance(value, torch.Tensor) and value.numel() != 1:
        raise TypeError(
            f"{name} must be a single number, got a tensor of shape {tuple(value.shape)}"
        )
    return torch.as_tensor(value, dtype=like.dtype, device=like.device).reshape(())


def require_positive(value: torch.Tensor, name: str, *, strict: bool = True) -> None:
    """Raise :class:`ValueError` unless every entry is > 0 (or >= 0).

    Parameters
    ----------
    value : torch.Tensor
        The values to check.
    name : str
        The argument's name, used in the message.
    strict : bool, optional
        Require ``> 0`` (default) rather than ``>= 0``.

    Raises
    ------
    ValueError
        If an entry is not positive (non-negative).
    """
    bad = ~(value > 0) if strict else ~(value >= 0)
    if bool(bad.any()):
        allowed = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be {allowed}, got {value.detach().flatten().tolist()[:8]}")


def require_betas(betas: Any) -> torch.Tensor:
    """Check a noise schedule: a non-empty ``(T,)`` float tensor with 0 < beta_t < 1.

    Parameters
    ----------
    betas : (T,) torch.Tensor
        beta_1 ... beta_T.

    Returns
    -------
    (T,) torch.Tensor
        ``betas`` itself.

    Raises
    ------
    TypeError
        If ``betas`` is not a floating tensor.
    ValueError
        If it is not 1-d and non-empty, or an entry lies outside (0, 1).
    """
    tensor = require_tensor(betas, "betas", ndim=1)  # ``betas`` itself, typed
    if tensor.shape[0] == 0:
        raise ValueError("betas must contain at least one step (T >= 1), got shape (0,)")
    if bool(((tensor <= 0) | (tensor >= 1)).any()):
        raise ValueError(f"every beta_t must lie in (0, 1), got min {tensor.min().item()!r}, "
                         f"max {tensor.max().item()!r}")
    return tensor


def require_time(t: Any, name: str = "t") -> int | torch.Tensor:
    """Check that a time step is a Python int or an integer tensor.

    The range 1..T is checked by :func:`reference._schedule.extract`.

    Parameters
    ----------
    t : int or (N,) int64 torch.Tensor
        1-indexed time step(s).
    name : str, optional
        The argument's name, used in the message.

    Returns
    -------
    int or torch.Tensor
        ``t`` itself.

    Raises
    ------
    TypeError
        If ``t`` is a float, a bool, or a floating tensor.
    """
    if isinstance(t, bool) or not isinstance(t, (int, torch.Tensor)):
        raise TypeError(f"{name} must be an int or an int64 tensor, got {type(t).__name__} {t!r}")
    if isinstance(t, torch.Tensor) and (
        t.is_floating_point() or t.is_complex() or t.dtype == torch.bool
    ):
        raise TypeError(f"{name} must be an integer tensor (int64), got dtype {t.dtype}")
    return t


def require_steps(n_steps: Any, name: str = "n_steps") -> int:
    """A positive step count: a Python int, or an integer numpy/torch scalar.

    Raises
    ------
    TypeError
        If ``n_steps`` is a bool or not an integer.
    ValueError
        If it is smaller than 1.
    """
    if isinstance(n_steps, bool):
        raise TypeError(f"{name} must be a positive int, got the bool {n_steps!r}")
    try:
        steps = operator.index(n_steps)
    except TypeError:
        raise TypeError(f"{name} must be a positive int, got {type(n_steps).__name__} {n_steps!r}") from None
    if steps < 1:
        raise ValueError(f"{name} must be a positive int (>= 1), got {steps}")
    return steps
