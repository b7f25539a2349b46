"""DDIM: the non-Markovian forward process and its sampler.

Song, Meng and Ermon, "Denoising Diffusion Implicit Models", 2021,
arXiv:2010.02502. Used by hw2 problem 2.

**Notation warning.** This module uses the DDIM paper's notation, not the
DDPM one: ``alphas[t-1]`` is the *cumulative* alpha_t (what DDPM calls
abar_t = prod_{s<=t}(1 - beta_s)), a sequence in (0, 1) decreasing in t.
Nothing in this module means 1 - beta_t.

Tensors are ``torch.float64``. Time is 1-indexed; per-step values are
gathered with :func:`reference._schedule.extract`.

Glossary:

================  ===============  ===============================================
code              symbol           equation (Song et al. 2021)
================  ===============  ===============================================
``alphas``        alpha_1..alpha_T cumulative signal levels (DDPM's abar_t), eq. 4
``alpha_t``       alpha_t          ``alphas[t-1]``
``alpha_next``    alpha_{t+1}      the level one step noisier
``alpha_prev``    alpha_{t-1}      the level one step cleaner
``sigmas``        sigma_1..sigma_T ``sigmas[t-1]`` = sigma_t, eq. 7 / 16
``sigma_next``    sigma_{t+1}      std. dev. of q(x_t | x_{t+1}, x_0), eq. 7
``x_next``        x_{t+1}          the noisier sample
``x0``            x_0              data
``x0_hat``        f_theta(x_t, t)  predicted x_0, eq. 9
``eps``           eps_theta        output of ``eps_model``
``noise``         epsilon_t        standard normal noise, passed in
================  ===============  ===============================================
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._schedule import extract
from ._validate import require_callable, require_scalar, require_shape, require_tensor

__all__ = ["ddim_forward_process", "ddim_sample", "ddim_step"]

# A "direction" variance 1 - alpha - sigma^2 this far below 0 is rounding
# (e.g. sigma = sqrt(1 - alpha) squared back); anything lower is an error.
_ROUNDING = 1e-12


def _check_schedule(alphas: torch.Tensor, sigmas: torch.Tensor) -> int:
    require_tensor(alphas, "alphas", ndim=1)
    require_tensor(sigmas, "sigmas", ndim=1)
    T = alphas.shape[0]
    if T == 0:
        raise ValueError("alphas must contain at least one step (T >= 1), got shape (0,)")
    require_shape(sigmas, "sigmas", (T,))
    if bool(((alphas <= 0) | (alphas >= 1)).any()):
        raise ValueError(
            f"every cumulative alpha_t must lie in (0, 1), got {alphas.tolist()[:8]}"
        )
    return T


def _direction_scale(alpha: torch.Tensor, sigma: torch.Tensor, where: str) -> torch.Tensor:
    """sqrt(1 - alpha - sigma^2), rejecting sigma^2 > 1 - alpha."""
    slack = 1.0 - alpha - sigma**2
    if bool(slack < -_ROUNDING):
        raise ValueError(
            f"{where}: need sigma^2 <= 1 - alpha, got sigma={sigma.item()!r} and "
            f"alpha={alpha.item()!r} (1 - alpha - sigma^2 = {slack.item()!r})"
        )
    # 1 - alpha - sigma^2 is computed with an absolute error of a few ulp of 1;
    # below that it is indistinguishable from 0, and sqrt would amplify the
    # rounding (sqrt(1e-17) ~ 3e-9), so it is taken as exactly 0.
    if bool(slack <= 4.0 * torch.finfo(slack.dtype).eps):
        return torch.zeros_like(slack)
    return torch.sqrt(slack)


def ddim_step(
    x_next: torch.Tensor,
    x0: torch.Tensor,
    alpha_t: float | torch.Tensor,
    alpha_next: float | torch.Tensor,
    sigma_next: float | torch.Tensor,
    noise: torch.Tensor,
) -> torch.Tensor:
    r"""One step x_{t+1} -> x_t of the DDIM forward process q(x_t | x_{t+1}, x_0).

    Parameters
    ----------
    x_next : (N, d) torch.Tensor
        x_{t+1}.
    x0 : (N, d) torch.Tensor
        x_0 (the data, or a prediction of it).
    alpha_t : float or () torch.Tensor
        Cumulative alpha_t in (0, 1].
    alpha_next : float or () torch.Tensor
        Cumulative alpha_{t+1} in (0, 1).
    sigma_next : float or () torch.Tensor
        sigma_{t+1} >= 0 with sigma_{t+1}^2 <= 1 - alpha_t.
    noise : (N, d) torch.Tensor
        Standard normal noise.

    Returns
    -------
    (N, d) torch.Tensor
        x_t.

    Raises
    ------
    TypeError
        If a tensor argument is not floating or a scalar is not a number.
    ValueError
        If shapes differ, an alpha is out of range, ``sigma_next < 0`` or
        sigma_{t+1}^2 > 1 - alpha_t.

    Notes
    -----
    hw2 problem 2; Song et al. 2021 (arXiv:2010.02502), eq. 7:

    .. math::

        x_t = \sqrt{\alpha_t}\,x_0
            + \frac{\sqrt{1-\alpha_t-\sigma_{t+1}^2}}{\sqrt{1-\alpha_{t+1}}}
              \left(x_{t+1} - \sqrt{\alpha_{t+1}}\,x_0\right)
            + \sigma_{t+1}\,\epsilon.

    With ``x0`` the prediction x0_hat this is the sampler update, eq. 12.
    """
    require_tensor(x_next, "x_next")
    require_tensor(x0, "x0")
    require_tensor(noise, "noise")
    require_shape(x0, "x0", tuple(x_next.shape))
    require_shape(noise, "noise", tuple(x_next.shape))
    alpha_t = require_scalar(alpha_t, "alpha_t", x_next)
    alpha_next = require_scalar(alpha_next, "alpha_next", x_next)
    sigma_next = require_scalar(sigma_next, "sigma_next", x_next)
    if not 0.0 < alpha_t.item() <= 1.0:
        raise ValueError(f"alpha_t must lie in (0, 1], got {alpha_t.item()!r}")
    if not 0.0 < alpha_next.item() < 1.0:
        raise ValueError(f"alpha_next must lie in (0, 1), got {alpha_next.item()!r}")
    if sigma_next.item() < 0.0:
        raise ValueError(f"sigma_next must be >= 0, got {sigma_next.item()!r}")
    direction = _direction_scale(alpha_t, sigma_next, "ddim_step")
    eps = (x_next - torch.sqrt(alpha_next) * x0) / torch.sqrt(1.0 - alpha_next)
    return torch.sqrt(alpha_t) * x0 + direction * eps + sigma_next * noise


def ddim_forward_process(
    x0: torch.Tensor, alphas: torch.Tensor, sigmas: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    r"""Run the DDIM forward process from x_T down to x_1 given x_0.

    Parameters
    ----------
    x0 : (N, d) torch.Tensor
        Data x_0.
    alphas : (T,) torch.Tensor
        Cumulative alphas, ``alphas[t-1]`` = alpha_t in (0, 1).
    sigmas : (T,) torch.Tensor
        ``sigmas[t-1]`` = sigma_t; ``sigmas[0]`` (sigma_1) is unused.
    noise : (T, N, d) torch.Tensor
        ``noise[t-1]`` is epsilon_t.

    Returns
    -------
    (T, N, d) torch.Tensor
        ``out[t-1]`` = x_t.

    Raises
    ------
    TypeError
        If a tensor argument is not floating.
    ValueError
        If shapes disagree, an alpha is outside (0, 1), or
        sigma_{t+1}^2 > 1 - alpha_t for some t.

    Notes
    -----
    hw2 problem 2; Song et al. 2021 (arXiv:2010.02502), eqs. 6-7:
    :math:`x_T = \sqrt{\alpha_T}x_0 + \sqrt{1-\alpha_T}\epsilon_T`, then
    :math:`x_t = ` :func:`ddim_step` :math:`(x_{t+1}, x_0, \alpha_t, \alpha_{t+1},
    \sigma_{t+1}, \epsilon_t)` for t = T-1, ..., 1. Each marginal is
    :math:`x_t \mid x_0 \sim \mathcal N(\sqrt{\alpha_t}x_0, (1-\alpha_t)I)`
    (Lemma 1 of the paper).
    """
    require_tensor(x0, "x0")
    T = _check_schedule(alphas, sigmas)
    require_tensor(noise, "noise")
    require_shape(noise, "noise", (T, *x0.shape))
    alpha_T = extract(alphas, T, 0)
    x_t = torch.sqrt(alpha_T) * x0 + torch.sqrt(1.0 - alpha_T) * extract(noise, T, 0)
    path = [x_t]  # x_T, x_{T-1}, ..., x_1
    for t in range(T - 1, 0, -1):
        x_t = ddim_step(
            x_t,
            x0,
            extract(alphas, t, 0),
            extract(alphas, t + 1, 0),
            extract(sigmas, t + 1, 0),
            extract(noise, t, 0),
        )
        path.append(x_t)
    return torch.stack(path[::-1])


def ddim_sample(
    eps_model: Callable[[torch.Tensor, int], torch.Tensor],
    x_T: torch.Tensor,
    alphas: torch.Tensor,
    sigmas: torch.Tensor,
    noise: torch.Tensor,
) -> torch.Tensor:
    r"""Generalised DDIM sampler (eta between 0 and 1 chosen through ``sigmas``).

    Parameters
    ----------
    eps_model : callable
        ``eps_model(x, t)`` with x ``(N, d)`` and t a Python int returns the
        predicted noise, ``(N, d)``.
    x_T : (N, d) torch.Tensor
        Starting point x_T.
    alphas : (T,) torch.Tensor
        Cumulative alphas, ``alphas[t-1]`` = alpha_t in (0, 1).
    sigmas : (T,) torch.Tensor
        ``sigmas[t-1]`` = sigma_t, used in the step t -> t-1 (sigma_1 unused).
    noise : (T, N, d) torch.Tensor
        ``noise[t-1]`` is added in the step t -> t-1; ``noise[0]`` is unused.

    Returns
    -------
    (N, d) torch.Tensor
        x0_hat computed at t = 1.

    Raises
    ------
    TypeError
        If ``eps_model`` is not callable or a tensor argument is not floating.
    ValueError
        If shapes disagree, an alpha is outside (0, 1), sigma_t^2 >
        1 - alpha_{t-1}, or ``eps_model`` returns the wrong shape.

    Notes
    -----
    hw2 problem 2; Song et al. 2021 (arXiv:2010.02502), eqs. 9 and 12. For
    t = T, ..., 2:

    .. math::

        \hat x_0 = \frac{x_t - \sqrt{1-\alpha_t}\,\epsilon_\theta(x_t, t)}{\sqrt{\alpha_t}},
        \qquad
        x_{t-1} = \sqrt{\alpha_{t-1}}\,\hat x_0
                + \sqrt{1-\alpha_{t-1}-\sigma_t^2}\,\epsilon_\theta(x_t, t)
                + \sigma_t\,\epsilon_t,

    and the result is :math:`\hat x_0` at t = 1. sigma_t = 0 is DDIM;
    sigma_t^2 = (1-alpha_{t-1})/(1-alpha_t) (1 - alpha_t/alpha_{t-1}) is DDPM
    (eq. 16 with eta = 1).
    """
    require_callable(eps_model, "eps_model")
    require_tensor(x_T, "x_T")
    T = _check_schedule(alphas, sigmas)
    require_tensor(noise, "noise")
    require_shape(noise, "noise", (T, *x_T.shape))

    def predict_x0(x_t: torch.Tensor, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        eps = eps_model(x_t, t)
        if not isinstance(eps, torch.Tensor) or eps.shape != x_t.shape:
            shape = tuple(eps.shape) if isinstance(eps, torch.Tensor) else type(eps).__name__
            raise ValueError(
                f"eps_model(x, t={t}) must return a tensor of shape {tuple(x_t.shape)}, got {shape}"
            )
        alpha_t = extract(alphas, t, 0)
        return (x_t - torch.sqrt(1.0 - alpha_t) * eps) / torch.sqrt(alpha_t), eps

    x_t = x_T
    for t, t_prev in zip(range(T, 1, -1), range(T - 1, 0, -1)):
        x0_hat, eps = predict_x0(x_t, t)
        alpha_prev = extract(alphas, t_prev, 0)
        sigma_t = extract(sigmas, t, 0)
        direction = _direction_scale(alpha_prev, sigma_t, f"ddim_sample at t={t}")
        x_t = torch.sqrt(alpha_prev) * x0_hat + direction * eps + sigma_t * extract(noise, t, 0)
    x0_hat, _ = predict_x0(x_t, 1)
    return x0_hat
