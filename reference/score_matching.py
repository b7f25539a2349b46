"""Score matching: Tweedie's formula and the implicit / denoising losses.

Used by hw1 problem 1, hw2 problem 3 and hw3 problems 3-4. References:
Hyvarinen 2005 (implicit score matching, JMLR 6); Vincent 2011 (denoising
score matching, Neural Computation 23); Song et al. 2021, "Score-Based
Generative Modeling through Stochastic Differential Equations",
arXiv:2011.13456, eq. 7; Ho et al. 2020, arXiv:2006.11239, eq. 14.

Tensors are ``torch.float64``; randomness is passed in.

Glossary:

=================  ===========================  =====================================
code               symbol                       equation
=================  ===========================  =====================================
``y``              Y = X + Z                    noisy observation (hw1 problem 1)
``Sigma``          Sigma                        covariance of Z
``score``          grad log p                   score function
``score_model``    s_theta                      learned score, [N, d] -> [N, d]
``eps_model``      eps_theta(x, t)              noise predictor, = -sigma_t s_theta
``x0``             X_0                          data
``eps``/``noise``  epsilon                      standard normal noise
``gamma``          gamma_t = e^{-t/2}           OU mean factor (hw2 problem 3)
``sigma``          sigma_t = sqrt(1 - e^{-t})   OU std. dev. (hw2 problem 3); in
                                                ``denoising_score_matching_loss``
                                                the fixed noise level sigma
``lam``            lambda(t)                    loss weight
=================  ===========================  =====================================
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._validate import (
    require_callable,
    require_positive,
    require_scalar,
    require_shape,
    require_tensor,
)
from .sde import ou_coefficients

__all__ = [
    "denoising_score_matching_loss",
    "dsm_loss",
    "implicit_score_matching_loss",
    "tweedie_posterior_mean",
]


def _call(
    fn: Callable[..., torch.Tensor], name: str, shape: torch.Size, *args: object
) -> torch.Tensor:
    """Call a user-supplied callable and check that it returns a tensor of ``shape``."""
    out = fn(*args)
    if not isinstance(out, torch.Tensor) or out.shape != shape:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"{name} must return a tensor of shape {tuple(shape)}, got {got}")
    return out


def tweedie_posterior_mean(
    y: torch.Tensor, score: Callable[[torch.Tensor], torch.Tensor], Sigma: torch.Tensor
) -> torch.Tensor:
    r"""Posterior mean E[X | Y = y] by Tweedie's formula.

    Parameters
    ----------
    y : (N, d) torch.Tensor
        Observations y = x + z.
    score : callable
        ``score(y)`` maps ``(N, d)`` to ``(N, d)``: grad log p_Y at each row.
    Sigma : (d, d) torch.Tensor
        Covariance of the Gaussian noise Z, symmetric positive definite.

    Returns
    -------
    (N, d) torch.Tensor
        E[X | Y = y_n] for each row.

    Raises
    ------
    TypeError
        If ``score`` is not callable or a tensor argument is not floating.
    ValueError
        If ``y`` is not 2-d, ``Sigma`` is not ``(d, d)``, or ``score``
        returns the wrong shape.

    Notes
    -----
    hw1 problem 1 (Tweedie's formula; Efron 2011, JASA 106):

    .. math::

        \mathbb E[X \mid Y = y] = y + \Sigma \nabla\log p_Y(y),

    applied row-wise as ``y + score(y) @ Sigma.T``.
    """
    require_tensor(y, "y", ndim=2)
    require_callable(score, "score")
    require_tensor(Sigma, "Sigma", ndim=2)
    d = y.shape[1]
    require_shape(Sigma, "Sigma", (d, d))
    grad_log_p = _call(score, "score(y)", y.shape, y)
    return y + grad_log_p @ Sigma.T


def dsm_loss(
    eps_model: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    t: torch.Tensor,
    eps: torch.Tensor,
    lam: torch.Tensor,
) -> torch.Tensor:
    r"""Monte-Carlo denoising score-matching loss of hw2 problem 3 (OU process).

    Parameters
    ----------
    eps_model : callable
        ``eps_model(x, t)`` with x, t ``(N,)`` returns ``(N,)``; related to the
        score by eps_model(x, t) = -sigma_t s_theta(x, t).
    x0 : (N,) torch.Tensor
        Samples X_0 ~ p_0.
    t : (N,) torch.Tensor
        Times t > 0.
    eps : (N,) torch.Tensor
        Standard normal noise.
    lam : (N,) torch.Tensor
        Weights lambda(t) at those times.

    Returns
    -------
    () torch.Tensor
        mean_n lam_n / sigma_{t_n}^2 (eps_model(gamma_t x0 + sigma_t eps, t) - eps)^2.

    Raises
    ------
    TypeError
        If ``eps_model`` is not callable or a tensor argument is not floating.
    ValueError
        If shapes differ, some t <= 0 (sigma_t = 0), or ``eps_model`` returns
        the wrong shape.

    Notes
    -----
    hw2 problem 3, with :math:`X_t = \gamma_t X_0 + \sigma_t\epsilon`
    (:func:`reference.sde.ou_coefficients`):

    .. math::

        \lambda(t)\left(s_\theta(X_t,t) - \nabla\log p_{t|0}(X_t|X_0)\right)^2
        = \frac{\lambda(t)}{\sigma_t^2}\left(\epsilon_\theta(X_t,t) - \epsilon\right)^2,

    valid because :math:`\nabla\log p_{t|0} = -\epsilon/\sigma_t` and
    :math:`\epsilon_\theta = -\sigma_t s_\theta` (the problem set prints
    :math:`+\sigma_t s_\theta`, for which the two forms disagree). Song et
    al. 2021 (arXiv:2011.13456), eq. 7; Ho et al. 2020 (arXiv:2006.11239), eq. 14.
    """
    require_callable(eps_model, "eps_model")
    require_tensor(x0, "x0", ndim=1)
    for name, value in (("t", t), ("eps", eps), ("lam", lam)):
        require_tensor(value, name)
        require_shape(value, name, tuple(x0.shape))
    require_positive(t, "t")
    gamma, sigma = ou_coefficients(t)
    x_t = gamma * x0 + sigma * eps
    eps_pred = _call(eps_model, "eps_model(x, t)", x0.shape, x_t, t)
    return (lam / sigma**2 * (eps_pred - eps) ** 2).mean()


def implicit_score_matching_loss(
    score_model: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> torch.Tensor:
    r"""Implicit (Hyvarinen) score-matching loss with the exact Jacobian trace.

    Parameters
    ----------
    score_model : callable or torch.nn.Module
        s_theta, mapping ``(N, d)`` to ``(N, d)`` row by row.
    x : (N, d) torch.Tensor
        Data samples; the contract has d <= 8 (the trace costs d backward
        passes).

    Returns
    -------
    () torch.Tensor
        mean_n [tr(ds/dx)(x_n) + |s(x_n)|^2 / 2], differentiable with respect
        to the parameters of ``score_model`` (the graph is kept).

    Raises
    ------
    TypeError
        If ``score_model`` is not callable or ``x`` is not a floating tensor.
    ValueError
        If ``x`` is not 2-d or ``score_model`` returns the wrong shape.

    Notes
    -----
    hw3 problem 3 (Hyvarinen 2005, JMLR 6, theorem 1):

    .. math::

        J(\theta) = \mathbb E_{x\sim p}\left[\operatorname{tr}\nabla_x s_\theta(x)
                   + \tfrac12\|s_\theta(x)\|^2\right]
                  = \tfrac12\mathbb E\|s_\theta(x) - \nabla\log p(x)\|^2 + C.

    Because the model acts row-wise, the gradient of
    :math:`\sum_n s_i(x_n)` with respect to x gives
    :math:`\partial s_i/\partial x_i` of every row at once: one backward pass
    per coordinate i, with ``create_graph=True``.
    """
    require_callable(score_model, "score_model")
    require_tensor(x, "x", ndim=2)
    # A new leaf that shares x's storage: x itself is not touched.
    x_in = x if x.requires_grad else x.detach().requires_grad_(True)
    # The exact trace needs autograd even when called under torch.no_grad().
    with torch.enable_grad():
        s = _call(score_model, "score_model(x)", x.shape, x_in)
        trace = torch.zeros(x.shape[0], dtype=s.dtype, device=s.device)
        if s.requires_grad:
            for i in range(x.shape[1]):
                (grad,) = torch.autograd.grad(
                    s[:, i].sum(), x_in, create_graph=True, allow_unused=True
                )
                if grad is not None:
                    trace = trace + grad[:, i]
        return (trace + 0.5 * (s**2).sum(dim=1)).mean()


def denoising_score_matching_loss(
    score_model: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    sigma: float | torch.Tensor,
    noise: torch.Tensor,
) -> torch.Tensor:
    r"""Denoising score-matching loss at a single noise level sigma.

    Parameters
    ----------
    score_model : callable or torch.nn.Module
        s_theta, mapping ``(N, d)`` to ``(N, d)``.
    x : (N, d) torch.Tensor
        Clean data samples.
    sigma : float
        Noise level sigma > 0.
    noise : (N, d) torch.Tensor
        Standard normal noise.

    Returns
    -------
    () torch.Tensor
        mean_n |s(x_n + sigma noise_n) + noise_n / sigma|^2 / 2.

    Raises
    ------
    TypeError
        If ``score_model`` is not callable or an argument has the wrong type.
    ValueError
        If shapes differ, ``sigma <= 0``, or ``score_model`` returns the wrong shape.

    Notes
    -----
    hw3 problem 4 (Vincent 2011): with
    :math:`\tilde x = x + \sigma\epsilon`,
    :math:`\nabla_{\tilde x}\log q_\sigma(\tilde x|x) = -\epsilon/\sigma`, and

    .. math::

        \tfrac12\,\mathbb E\left\|s_\theta(\tilde x)
            - \nabla_{\tilde x}\log q_\sigma(\tilde x|x)\right\|^2
        = \tfrac12\,\mathbb E\left\|s_\theta(x + \sigma\epsilon) + \epsilon/\sigma\right\|^2,

    which equals the explicit score-matching loss on :math:`q_\sigma` up to a
    constant (Song et al. 2021, arXiv:2011.13456, eq. 7).
    """
    require_callable(score_model, "score_model")
    require_tensor(x, "x", ndim=2)
    require_tensor(noise, "noise")
    require_shape(noise, "noise", tuple(x.shape))
    sigma = require_scalar(sigma, "sigma", x)
    require_positive(sigma, "sigma")
    s = _call(score_model, "score_model(x)", x.shape, x + sigma * noise)
    return 0.5 * ((s + noise / sigma) ** 2).sum(dim=1).mean()
