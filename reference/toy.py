"""The Gaussian toy diffusion of hw4 problem 1.

Data X_0 ~ N(0, sigma2) and the forward process X_t = X_0 + N(0, t) for
t in [0, 1], discretised with n_steps steps of size dt = 1/n_steps. All laws
are Gaussian, so the reverse conditionals, the optimal denoiser and the
output variance of every sampler have closed forms. Tensors are
``torch.float64``; the batch has shape ``(N,)``.

Glossary (hw4 problem 1, parts (a)-(h)):

=====================  =====================  ==================================
code                   symbol                 definition
=====================  =====================  ==================================
``sigma2``             sigma^2                data variance, X_0 ~ N(0, sigma^2)
``t``                  t                      time in [0, 1]; Var X_t = sigma^2 + t
``dt``                 Delta t                step, 1/n_steps
``x1``                 X_1 (sampler input)    the samplers start from x1
``x_t``                X_t
``mean``, ``var``      (c)                    law of X_{t-dt} | X_t = x_t
``eta``                eta(t, dt)             sqrt(t)/(sqrt(t - dt) + sqrt(t)), (g)
``noise``              z_k                    standard normal draws, one per step
=====================  =====================  ==================================

Output laws from X_1 ~ N(0, 1) (exact for every n_steps; the products
telescope): the deterministic DDPM sampler (x <- mean) gives
N(0, (sigma2/(sigma2+1))^2); the stochastic one gives
N(0, sigma2 - sigma2^3/(sigma2+1)^2); the DDIM sampler gives
N(0, prod_k (1 - eta_k dt/(sigma2 + t_k))^2), whose dt -> 0 limit is
sigma2/(sigma2+1).
"""

from __future__ import annotations

import math

import torch

from reference._validate import require_scalar, require_shape, require_steps, require_tensor

__all__ = [
    "toy_marginal_var",
    "toy_reverse_conditional",
    "toy_ddpm_sample",
    "toy_ddim_sample",
    "toy_denoiser_target",
]

_FLOAT64 = torch.zeros((), dtype=torch.float64)


# --------------------------------------------------------------------------- #
#  Checks                                                                     #
# --------------------------------------------------------------------------- #


def _sigma2(value: float | torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    sigma2 = require_scalar(value, "sigma2", like=like)
    if not bool(sigma2 > 0):
        raise ValueError(f"sigma2 (the data variance) must be > 0, got {sigma2.item()!r}")
    return sigma2


def _time(value: float | torch.Tensor, name: str, like: torch.Tensor) -> torch.Tensor:
    """A time in [0, 1]: a number, or a tensor of at most one dimension."""
    if isinstance(value, bool) or not isinstance(value, (int, float, torch.Tensor)):
        raise TypeError(f"{name} must be a number or an (N,) tensor, got {type(value).__name__}")
    time = torch.as_tensor(value, dtype=like.dtype, device=like.device)
    if time.ndim > 1:
        raise ValueError(
            f"{name} must be a number or an (N,) tensor, got shape {tuple(time.shape)}"
        )
    if bool(((time < 0) | (time > 1)).any()):
        raise ValueError(f"{name} must lie in [0, 1], got {time.flatten().tolist()[:8]}")
    return time


def _times(n_steps: int) -> list[tuple[float, float]]:
    """(t, dt) for k = 0..n_steps-1 with t = (n_steps - k)/n_steps, so t - dt = 0 at the end."""
    return [((n_steps - k) / n_steps, 1 / n_steps) for k in range(n_steps)]


# --------------------------------------------------------------------------- #
#  Public functions                                                           #
# --------------------------------------------------------------------------- #


def toy_marginal_var(sigma2: float | torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Variance of the marginal X_t = X_0 + N(0, t).

    Parameters
    ----------
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.
    t : float or (N,) torch.Tensor
        Time(s) in [0, 1].

    Returns
    -------
    (N,) torch.Tensor
        sigma2 + t (0-dim for a number ``t``).

    Raises
    ------
    TypeError
        If an argument is not a number or tensor.
    ValueError
        If ``sigma2 <= 0`` or ``t`` lies outside [0, 1].

    Notes
    -----
    hw4 problem 1(b): X_0 and the added noise are independent, so
    Var X_t = sigma^2 + t.
    """
    like = t if isinstance(t, torch.Tensor) and t.is_floating_point() else _FLOAT64
    return _sigma2(sigma2, like) + _time(t, "t", like)


def toy_reverse_conditional(
    x_t: torch.Tensor,
    t: float | torch.Tensor,
    dt: float | torch.Tensor,
    sigma2: float | torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Law of X_{t-dt} given X_t = x_t.

    Parameters
    ----------
    x_t : (N,) torch.Tensor
        Values of X_t.
    t : float or 0-dim torch.Tensor
        Current time, 0 < dt <= t <= 1.
    dt : float or 0-dim torch.Tensor
        Step, > 0.
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.

    Returns
    -------
    mean : (N,) torch.Tensor
        (sigma2 + t - dt)/(sigma2 + t) x_t.
    var : 0-dim torch.Tensor
        (sigma2 + t - dt) dt/(sigma2 + t).

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``dt <= 0``, ``dt > t``, ``t > 1`` or ``sigma2 <= 0``.

    Notes
    -----
    hw4 problem 1(c). (X_{t-dt}, X_t) is jointly Gaussian with
    Var X_{t-dt} = Cov(X_{t-dt}, X_t) = sigma^2 + t - dt and
    Var X_t = sigma^2 + t, so by Gaussian conditioning

    .. math::

        X_{t-\Delta t} \mid X_t = x_t \sim \mathcal N\Bigl(
        \frac{\sigma^2 + t - \Delta t}{\sigma^2 + t} x_t,\;
        \frac{(\sigma^2 + t - \Delta t)\Delta t}{\sigma^2 + t}\Bigr).
    """
    require_tensor(x_t, "x_t", ndim=1)
    sigma2_ = _sigma2(sigma2, x_t)
    t_ = require_scalar(t, "t", like=x_t)
    dt_ = require_scalar(dt, "dt", like=x_t)
    if not bool(dt_ > 0):
        raise ValueError(f"dt must be > 0, got {dt_.item()!r}")
    if not bool((dt_ <= t_) & (t_ <= 1)):
        raise ValueError(f"t must satisfy dt <= t <= 1, got t={t_.item()!r} and dt={dt_.item()!r}")
    var_prev = sigma2_ + t_ - dt_  # Var X_{t-dt} = Cov(X_{t-dt}, X_t)
    var_t = sigma2_ + t_  # Var X_t
    mean = var_prev / var_t * x_t
    var = var_prev * dt_ / var_t
    return mean, var


def toy_ddpm_sample(
    x1: torch.Tensor,
    sigma2: float | torch.Tensor,
    n_steps: int,
    noise: torch.Tensor | None,
) -> torch.Tensor:
    r"""Ancestral (DDPM) sampler of the toy, stochastic or deterministic.

    Parameters
    ----------
    x1 : (N,) torch.Tensor
        Starting values at t = 1.
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.
    n_steps : int
        Number of steps, dt = 1/n_steps.
    noise : (n_steps, N) torch.Tensor or None
        ``noise[k]`` is used at step k; ``None`` selects the deterministic
        variant (x <- mean).

    Returns
    -------
    (N,) torch.Tensor
        x at t = 0.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``sigma2 <= 0``, ``n_steps < 1`` or ``noise`` has the wrong shape.

    Notes
    -----
    hw4 problem 1(d)-(e). For k = 0..n_steps-1, t = (n_steps - k)/n_steps:
    x <- mean(x, t) + sqrt(var(t)) noise[k], with (mean, var) from
    :func:`toy_reverse_conditional`. From X_1 ~ N(0, 1) the output variance
    is exactly

    .. math::

        \text{deterministic: } \Bigl(\frac{\sigma^2}{\sigma^2+1}\Bigr)^2, \qquad
        \text{stochastic: } \sigma^2 - \frac{\sigma^6}{(\sigma^2+1)^2},

    for every n_steps: the mean coefficients telescope to
    sigma^2/(sigma^2+1), and the noise added at time t contributes
    sigma^4 (1/(sigma^2+t-dt) - 1/(sigma^2+t)), which telescopes to
    sigma^2 - sigma^4/(sigma^2+1).
    """
    require_tensor(x1, "x1", ndim=1)
    n_steps = require_steps(n_steps)
    sigma2_ = _sigma2(sigma2, x1)
    if noise is not None:
        require_tensor(noise, "noise", ndim=2)
        require_shape(noise, "noise", (n_steps, x1.shape[0]))
    x = x1
    for k, (t, dt) in enumerate(_times(n_steps)):
        mean, var = toy_reverse_conditional(x, t, dt, sigma2_)
        x = mean if noise is None else mean + torch.sqrt(var) * noise[k]
    return x


def toy_ddim_sample(x1: torch.Tensor, sigma2: float | torch.Tensor, n_steps: int) -> torch.Tensor:
    r"""Deterministic DDIM sampler of the toy.

    Parameters
    ----------
    x1 : (N,) torch.Tensor
        Starting values at t = 1.
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.
    n_steps : int
        Number of steps, dt = 1/n_steps.

    Returns
    -------
    (N,) torch.Tensor
        x at t = 0.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``sigma2 <= 0`` or ``n_steps < 1``.

    Notes
    -----
    hw4 problem 1(g)-(h). For k = 0..n_steps-1 with t = (n_steps - k)/n_steps
    (so the last step has t - dt = 0 exactly and eta = 1 there):

    .. math::

        x \leftarrow x - \eta(t, \Delta t)\,\frac{\Delta t}{\sigma^2 + t}\,x, \qquad
        \eta(t, \Delta t) = \frac{\sqrt t}{\sqrt{t - \Delta t} + \sqrt t}.

    From X_1 ~ N(0, 1) the output variance is
    prod_k (1 - eta_k dt/(sigma^2 + t_k))^2 exactly; sigma^2/(sigma^2+1) is
    only its dt -> 0 limit.
    """
    require_tensor(x1, "x1", ndim=1)
    n_steps = require_steps(n_steps)
    sigma2_ = _sigma2(sigma2, x1)
    x = x1
    for t, dt in _times(n_steps):
        eta = math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t))
        x = x - eta * dt / (sigma2_ + t) * x
    return x


def toy_denoiser_target(
    x_t: torch.Tensor, t: float | torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    r"""Optimal denoiser E[X_0 | X_t = x_t] of the toy, the regression target of (f).

    Parameters
    ----------
    x_t : (N,) torch.Tensor
        Noisy values X_t.
    t : float or (N,) torch.Tensor
        Time(s) in [0, 1] (one per row in a training batch).
    sigma2 : float or 0-dim torch.Tensor
        Data variance sigma^2 > 0.

    Returns
    -------
    (N,) torch.Tensor
        sigma2/(sigma2 + t) x_t.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``sigma2 <= 0``, ``t`` lies outside [0, 1], or a tensor ``t`` has
        a shape other than ``(N,)``.

    Notes
    -----
    hw4 problem 1(f): Cov(X_0, X_t) = sigma^2 and Var X_t = sigma^2 + t, so
    E[X_0 | X_t] = sigma^2/(sigma^2 + t) X_t; training with the mean
    squared error to this target learns g(x_t, t).
    """
    require_tensor(x_t, "x_t", ndim=1)
    sigma2_ = _sigma2(sigma2, x_t)
    t_ = _time(t, "t", x_t)
    if t_.ndim == 1:
        require_shape(t_, "t", tuple(x_t.shape))
    return sigma2_ / (sigma2_ + t_) * x_t
