"""Diffusion SDEs: OU and VE forward processes, reverse-time SDE family, ODE.

Song et al., "Score-Based Generative Modeling through Stochastic
Differential Equations", 2021, arXiv:2011.13456. Used by hw1 problems 6-7,
hw2 problem 3 and quiz1 problem 1.

Two Ornstein-Uhlenbeck processes appear in the course; they differ by a time
scaling, so each function says which one it uses:

* hw1/hw2: dX = -X/2 dt + dW (the VP SDE with beta = 1, Song et al. eq. 11),
  X_t | X_0 ~ N(gamma_t X_0, sigma_t^2), gamma_t = e^{-t/2}, sigma_t^2 = 1 - e^{-t};
* quiz1: dw = -w dt + sqrt(2) dB, w(t) | w(0) ~ N(e^{-t} w(0), 1 - e^{-2t}).

Tensors are ``torch.float64``; randomness is passed in as ``noise``.

Glossary:

=============  ==============  ==================================================
code           symbol          equation
=============  ==============  ==================================================
``gamma``      gamma_t         e^{-t/2}, mean factor of the OU kernel (hw2 p. 3)
``sigma``      sigma_t         sqrt(1 - e^{-t}), its std. dev. (hw2 p. 3)
``sigma2``     sigma_t^2       VE variance schedule, rho^2 = d sigma^2/dt (hw1 p. 6)
``f``          f(x, t)         forward drift (Song et al. eq. 5)
``g``          g(t)            diffusion coefficient (Song et al. eq. 5)
``score``      grad log p_t    score of the marginal p_t
``lam``        lambda          reverse-SDE family parameter, lambda <= 1 (hw1 p. 7)
``ts``         t_0 > ... > t_K  reverse-time grid, from T down to t_min
``w0``, ``w``  w(0), w(t)      quiz1's OU state
=============  ==============  ==================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ._validate import require_callable, require_scalar, require_shape, require_tensor

__all__ = [
    "ou_coefficients",
    "ou_euler_step",
    "ou_sample",
    "reverse_ode_drift",
    "reverse_sde_drift",
    "reverse_sde_sample",
    "ve_sde_sample",
]


def _real(value: float | torch.Tensor, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, torch.Tensor)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if isinstance(value, torch.Tensor) and value.numel() != 1:
        raise TypeError(f"{name} must be a single number, got shape {tuple(value.shape)}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out!r}")
    return out


def ou_coefficients(t: float | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Mean factor and standard deviation of the hw2 OU kernel p_{t|0}.

    Parameters
    ----------
    t : (N,) torch.Tensor or float
        Times t >= 0.

    Returns
    -------
    gamma : (N,) torch.Tensor
        gamma_t = exp(-t/2).
    sigma : (N,) torch.Tensor
        sigma_t = sqrt(1 - exp(-t)).

    Raises
    ------
    TypeError
        If ``t`` is not a number or tensor.
    ValueError
        If some t < 0.

    Notes
    -----
    hw2 problem 3: for :math:`dX_t = -\tfrac12 X_t\,dt + dW_t`,
    :math:`X_t \mid X_0 \sim \mathcal N(\gamma_t X_0, \sigma_t^2)` with
    :math:`\gamma_t = e^{-t/2}`, :math:`\sigma_t^2 = 1 - e^{-t}`
    (Song et al. 2021, arXiv:2011.13456: the VP SDE of eq. 11 with beta = 1,
    whose transition kernel is given in appendix B).
    ``1 - exp(-t)`` is evaluated as ``-expm1(-t)`` for accuracy near t = 0.
    """
    if isinstance(t, bool) or not isinstance(t, (int, float, torch.Tensor)):
        raise TypeError(f"t must be a number or an (N,) tensor, got {type(t).__name__}")
    dtype = t.dtype if isinstance(t, torch.Tensor) and t.is_floating_point() else torch.float64
    t = torch.as_tensor(t, dtype=dtype)
    if bool((t < 0).any()) or bool(torch.isnan(t).any()):
        raise ValueError(f"t must be >= 0, got {t.flatten().tolist()[:8]}")
    return torch.exp(-0.5 * t), torch.sqrt(-torch.expm1(-t))


def reverse_ode_drift(
    x: torch.Tensor, t: float | torch.Tensor, score: torch.Tensor
) -> torch.Tensor:
    r"""Drift of the probability-flow ODE of the hw2 OU process.

    Parameters
    ----------
    x : (N,) torch.Tensor
        Points x.
    t : (N,) torch.Tensor or float
        Times (the OU drift does not depend on t; kept for the contract).
    score : (N,) torch.Tensor
        grad log p_t(x) evaluated at ``x``, ``t``.

    Returns
    -------
    (N,) torch.Tensor
        F(x, t) = -x/2 - score/2.

    Raises
    ------
    TypeError
        If ``x`` or ``score`` is not a floating tensor.
    ValueError
        If their shapes differ.

    Notes
    -----
    hw2 problem 3(e); Song et al. 2021 (arXiv:2011.13456), eq. 13 with
    f = -x/2, g = 1: :math:`F = f - \tfrac12 g^2 \nabla\log p_t = -\tfrac12 x -
    \tfrac12 \nabla\log p_t(x)`. The ODE :math:`d\bar X_t = F\,dt` is solved
    backwards in time.
    """
    require_tensor(x, "x")
    require_tensor(score, "score")
    require_shape(score, "score", tuple(x.shape))
    return -0.5 * x - 0.5 * score


def ve_sde_sample(x0: torch.Tensor, sigma2: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    r"""Simulate the VE SDE dX = rho(t) dW exactly on a time grid.

    Parameters
    ----------
    x0 : (N,) torch.Tensor
        X at t_0.
    sigma2 : (K+1,) torch.Tensor
        sigma_t^2 at t_0 < ... < t_K, non-decreasing.
    noise : (K, N) torch.Tensor
        Standard normal increments.

    Returns
    -------
    (N,) torch.Tensor
        X at t_K.

    Raises
    ------
    TypeError
        If an argument is not a floating tensor.
    ValueError
        If shapes disagree or ``sigma2`` decreases.

    Notes
    -----
    hw1 problem 6: with :math:`\rho^2 = d\sigma_t^2/dt` the increments are
    independent Gaussians,
    :math:`X_{k+1} = X_k + \sqrt{\sigma^2_{k+1} - \sigma^2_k}\,\epsilon_k`, so
    :math:`X_K - X_0 \sim \mathcal N(0, \sigma_K^2 - \sigma_0^2)` (Song et al.
    2021, arXiv:2011.13456, eq. 9).
    """
    require_tensor(x0, "x0", ndim=1)
    require_tensor(sigma2, "sigma2", ndim=1)
    require_tensor(noise, "noise", ndim=2)
    if sigma2.shape[0] == 0:
        raise ValueError("sigma2 must hold at least one value (K + 1 >= 1), got shape (0,)")
    K = sigma2.shape[0] - 1
    require_shape(noise, "noise", (K, x0.shape[0]))
    increments = sigma2[1:] - sigma2[:-1]
    if bool((increments < 0).any()):
        raise ValueError(f"sigma2 must be non-decreasing, got {sigma2.tolist()[:8]}")
    x = x0
    for k in range(K):
        x = x + torch.sqrt(increments[k]) * noise[k]
    return x


def reverse_sde_drift(
    x: torch.Tensor,
    f: torch.Tensor,
    g: float | torch.Tensor,
    score: torch.Tensor,
    lam: float | torch.Tensor,
) -> torch.Tensor:
    r"""Drift of the lambda-family of reverse-time SDEs.

    Parameters
    ----------
    x : (N, d) torch.Tensor
        Points x (used for the shape only; f and score are already evaluated).
    f : (N, d) torch.Tensor
        Forward drift f(x, t).
    g : float
        Diffusion coefficient g(t).
    score : (N, d) torch.Tensor
        grad log p_t(x).
    lam : float
        lambda <= 1 (0: reverse SDE, 1: probability-flow ODE).

    Returns
    -------
    (N, d) torch.Tensor
        f - (1 - lam/2) g^2 score.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If shapes differ.

    Notes
    -----
    hw1 problem 7:

    .. math::

        d\bar X_t = \left(f - \left(1 - \tfrac{\lambda}{2}\right) g^2
                    \nabla\log p_t\right) dt + \sqrt{1-\lambda}\, g\, d\bar W_t

    has the marginals p_t for every lambda <= 1; lambda = 0 is Song et al.
    2021 (arXiv:2011.13456) eq. 6 and lambda = 1 is eq. 13.
    """
    require_tensor(x, "x")
    require_tensor(f, "f")
    require_tensor(score, "score")
    require_shape(f, "f", tuple(x.shape))
    require_shape(score, "score", tuple(x.shape))
    g = require_scalar(g, "g", x)
    lam = require_scalar(lam, "lam", x)
    return f - (1.0 - 0.5 * lam) * g**2 * score


def reverse_sde_sample(
    x_T: torch.Tensor,
    ts: torch.Tensor,
    score: Callable[[torch.Tensor, float], torch.Tensor],
    lam: float,
    noise: torch.Tensor,
) -> torch.Tensor:
    r"""Euler-Maruyama in reverse time for the hw1 lambda-family, OU forward SDE.

    Parameters
    ----------
    x_T : (N,) torch.Tensor
        Starting points at time ts[0] = T.
    ts : (K+1,) torch.Tensor
        Strictly decreasing times from T to t_min >= 0.
    score : callable
        ``score(x, t)`` with x ``(N,)`` and t a Python float returns
        grad log p_t(x), ``(N,)``.
    lam : float
        lambda <= 1.
    noise : (K, N) torch.Tensor
        Standard normal noise, ``noise[k]`` used in step k.

    Returns
    -------
    (N,) torch.Tensor
        x at t_min, an approximate sample of p_{t_min}.

    Raises
    ------
    TypeError
        If ``score`` is not callable or a tensor argument is not floating.
    ValueError
        If shapes disagree, ``ts`` is not strictly decreasing or ends below 0,
        ``lam > 1``, or ``score`` returns the wrong shape.

    Notes
    -----
    hw1 problem 7 with the forward SDE :math:`dX = -\tfrac12 X\,dt + dW`
    (f = -x/2, g = 1). With :math:`h_k = t_k - t_{k+1}`:

    .. math::

        x \leftarrow x - h_k\left(f(x, t_k) - \left(1 - \tfrac{\lambda}{2}\right)
        s(x, t_k)\right) + \sqrt{(1-\lambda)h_k}\,\epsilon_k,

    the drift being :func:`reverse_sde_drift` (Song et al. 2021,
    arXiv:2011.13456, eq. 6).
    """
    require_tensor(x_T, "x_T", ndim=1)
    require_tensor(ts, "ts", ndim=1)
    require_tensor(noise, "noise", ndim=2)
    require_callable(score, "score")
    lam_value = _real(lam, "lam")
    if lam_value > 1.0:
        raise ValueError(f"lam must be <= 1 (the noise scale is sqrt(1 - lam)), got {lam_value!r}")
    if ts.shape[0] == 0:
        raise ValueError("ts must hold at least one time (K + 1 >= 1), got shape (0,)")
    K = ts.shape[0] - 1
    require_shape(noise, "noise", (K, x_T.shape[0]))
    steps = ts[:-1] - ts[1:]
    if bool((steps <= 0).any()):
        raise ValueError(f"ts must be strictly decreasing, got {ts.tolist()[:8]}")
    if ts[-1].item() < 0:
        raise ValueError(f"ts must end at t_min >= 0, got t_min={ts[-1].item()!r}")
    x = x_T
    for k in range(K):
        t_k = float(ts[k])
        h = steps[k]
        s = score(x, t_k)
        if not isinstance(s, torch.Tensor) or s.shape != x.shape:
            shape = tuple(s.shape) if isinstance(s, torch.Tensor) else type(s).__name__
            raise ValueError(
                f"score(x, t={t_k}) must return a tensor of shape {tuple(x.shape)}, got {shape}"
            )
        drift = reverse_sde_drift(x, -0.5 * x, 1.0, s, lam_value)
        x = x - h * drift + torch.sqrt((1.0 - lam_value) * h) * noise[k]
    return x


def ou_sample(w0: torch.Tensor, t: float, noise: torch.Tensor) -> torch.Tensor:
    r"""Exact sample of quiz1's OU process w(t) given w(0).

    Parameters
    ----------
    w0 : (N, d) torch.Tensor
        w(0).
    t : float
        Time t >= 0.
    noise : (N, d) torch.Tensor
        Standard normal noise.

    Returns
    -------
    (N, d) torch.Tensor
        exp(-t) w0 + sqrt(1 - exp(-2t)) noise.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``t < 0`` or shapes differ.

    Notes
    -----
    quiz1 problem 1(d): the continuum limit of
    :math:`z_\ell = \alpha^\ell z_0 + \sqrt{1-\alpha^{2\ell}}\,\epsilon` with
    :math:`\alpha = e^{-1/N}`, :math:`\ell = Nt`; it solves
    :math:`dw = -w\,dt + \sqrt2\,dB` (note: twice the speed of hw2's OU;
    Song et al. 2021, arXiv:2011.13456, eq. 11).
    """
    require_tensor(w0, "w0")
    require_tensor(noise, "noise")
    require_shape(noise, "noise", tuple(w0.shape))
    t_value = _real(t, "t")
    if t_value < 0:
        raise ValueError(f"t must be >= 0, got {t_value!r}")
    return math.exp(-t_value) * w0 + math.sqrt(-math.expm1(-2.0 * t_value)) * noise


def ou_euler_step(w: torch.Tensor, dt: float, noise: torch.Tensor) -> torch.Tensor:
    r"""One Euler-Maruyama step of quiz1's OU SDE dw = -w dt + sqrt(2) dB.

    Parameters
    ----------
    w : (N, d) torch.Tensor
        w(t).
    dt : float
        Step size dt >= 0.
    noise : (N, d) torch.Tensor
        Standard normal noise.

    Returns
    -------
    (N, d) torch.Tensor
        w - w dt + sqrt(2 dt) noise.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``dt < 0`` or shapes differ.

    Notes
    -----
    quiz1 problem 1(e): :math:`e^{-\Delta t} \approx 1 - \Delta t` turns
    :func:`ou_sample` into :math:`w + \Delta w`,
    :math:`\Delta w = -w\,\Delta t + \sqrt{2\Delta t}\,\epsilon`.
    """
    require_tensor(w, "w")
    require_tensor(noise, "noise")
    require_shape(noise, "noise", tuple(w.shape))
    dt_value = _real(dt, "dt")
    if dt_value < 0:
        raise ValueError(f"dt must be >= 0, got {dt_value!r}")
    return w - w * dt_value + math.sqrt(2.0 * dt_value) * noise
