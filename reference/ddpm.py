"""DDPM: forward process, posterior q(x_{t-1} | x_t, x_0) and loss weights.

Ho, Jain and Abbeel, "Denoising Diffusion Probabilistic Models", 2020,
arXiv:2006.11239. Used by hw2 problem 1 and hw3 problem 2.

Tensors are ``torch.float64``. Time is 1-indexed: ``betas[t-1]`` is beta_t,
and every per-step coefficient is gathered by
:func:`reference._schedule.extract`, which also broadcasts a batch of times
``t`` of shape ``(N,)`` against ``(N, d)`` data.

Glossary:

==================  ==============  =========================================
code                symbol          equation (Ho et al. 2020)
==================  ==============  =========================================
``betas``           beta_1..beta_T  forward variances, eq. 2
``beta_t``          beta_t          ``betas[t-1]``
``alpha_t``         alpha_t         1 - beta_t
``abar_t``          abar_t          prod_{s<=t} alpha_s, eq. 4
``abar_prev``       abar_{t-1}      abar_0 = 1
``x0``              x_0             data
``x_t``             x_t             sqrt(abar_t) x_0 + sqrt(1-abar_t) eps, eq. 4
``noise``/``eps``   epsilon         standard normal noise
``mean``            mu_tilde_t      posterior mean, eq. 7
``var``             beta_tilde_t    posterior variance, eq. 7
``score``           grad log p      grad_{x_t} log p_{t|0}(x_t | x_0)
``sigma2``          sigma_t^2       reverse-process variances, eq. 12
==================  ==============  =========================================
"""

from __future__ import annotations

import torch

from ._schedule import alphas_cumprod, alphas_cumprod_prev, extract
from ._validate import require_betas, require_positive, require_tensor, require_time
from .gaussian import gaussian_kl

__all__ = [
    "ddpm_eps_loss_weight",
    "ddpm_posterior",
    "ddpm_posterior_mean_from_score",
    "ddpm_prior_kl",
    "ddpm_q_sample",
    "posterior_mean_from_eps",
]


def _same_shape(a: torch.Tensor, a_name: str, b: torch.Tensor, b_name: str) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{a_name} and {b_name} must have the same shape, got {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )


def ddpm_posterior(
    x_t: torch.Tensor, x0: torch.Tensor, betas: torch.Tensor, t: int | torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Mean and variance of the DDPM posterior q(x_{t-1} | x_t, x_0).

    Parameters
    ----------
    x_t : (N, d) torch.Tensor
        Noisy samples at step t.
    x0 : (N, d) torch.Tensor
        Clean samples.
    betas : (T,) torch.Tensor
        Noise schedule, ``betas[t-1]`` = beta_t in (0, 1).
    t : int
        Time step, 1 <= t <= T. An ``(N,)`` int64 tensor is also accepted
        (one step per row); ``var`` then has shape ``(N, 1)``.

    Returns
    -------
    mean : (N, d) torch.Tensor
        mu_tilde_t(x_t, x_0).
    var : () torch.Tensor
        beta_tilde_t (0-dim for an integer ``t``); 0 at t = 1.

    Raises
    ------
    TypeError
        If ``t`` is not an integer or a tensor argument is not floating.
    ValueError
        If ``t`` lies outside 1..T, shapes differ, or a beta_t is outside (0, 1).

    Notes
    -----
    hw2 problem 1; Ho et al. 2020 (arXiv:2006.11239), eqs. 6-7:

    .. math::

        \tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1-\bar\alpha_t} x_0
                      + \frac{\sqrt{\alpha_t}\,(1-\bar\alpha_{t-1})}{1-\bar\alpha_t} x_t,
        \qquad
        \tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t,

    with :math:`\bar\alpha_0 = 1`.
    """
    require_tensor(x_t, "x_t")
    require_tensor(x0, "x0")
    _same_shape(x_t, "x_t", x0, "x0")
    require_betas(betas)
    require_time(t)
    beta_t = extract(betas, t, x_t.ndim)
    abar_t = extract(alphas_cumprod(betas), t, x_t.ndim)
    abar_prev = extract(alphas_cumprod_prev(betas), t, x_t.ndim)
    alpha_t = 1.0 - beta_t
    coef_x0 = torch.sqrt(abar_prev) * beta_t / (1.0 - abar_t)
    coef_xt = torch.sqrt(alpha_t) * (1.0 - abar_prev) / (1.0 - abar_t)
    mean = coef_x0 * x0 + coef_xt * x_t
    var = (1.0 - abar_prev) / (1.0 - abar_t) * beta_t
    return mean, var


def ddpm_posterior_mean_from_score(
    x_t: torch.Tensor, score: torch.Tensor, betas: torch.Tensor, t: int | torch.Tensor
) -> torch.Tensor:
    r"""Posterior mean of q(x_{t-1} | x_t, x_0) written with the conditional score.

    Parameters
    ----------
    x_t : (N, d) torch.Tensor
        Noisy samples at step t.
    score : (N, d) torch.Tensor
        grad_{x_t} log p_{t|0}(x_t | x_0) evaluated at ``x_t`` (a tensor, not a
        callable).
    betas : (T,) torch.Tensor
        Noise schedule, ``betas[t-1]`` = beta_t.
    t : int
        Time step, 1 <= t <= T (an ``(N,)`` int64 tensor is also accepted).

    Returns
    -------
    (N, d) torch.Tensor
        mu_t(x_t | x_0).

    Raises
    ------
    TypeError
        If ``t`` is not an integer or a tensor argument is not floating.
    ValueError
        If ``t`` lies outside 1..T, shapes differ, or a beta_t is outside (0, 1).

    Notes
    -----
    hw2 problem 1:

    .. math::

        \mu_t(x_t \mid x_0) = \frac{1}{\sqrt{1-\beta_t}}
            \left(x_t + \beta_t \nabla_{x_t}\log p_{t|0}(x_t \mid x_0)\right),

    which equals :func:`ddpm_posterior`'s mean because
    :math:`\nabla\log p_{t|0} = -(x_t - \sqrt{\bar\alpha_t}x_0)/(1-\bar\alpha_t)`
    (Ho et al. 2020, arXiv:2006.11239, eqs. 4 and 7).
    """
    require_tensor(x_t, "x_t")
    require_tensor(score, "score")
    _same_shape(x_t, "x_t", score, "score")
    require_betas(betas)
    require_time(t)
    beta_t = extract(betas, t, x_t.ndim)
    return (x_t + beta_t * score) / torch.sqrt(1.0 - beta_t)


def ddpm_q_sample(
    x0: torch.Tensor, t: int | torch.Tensor, betas: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    r"""Sample x_t ~ q(x_t | x_0) with the noise given.

    Parameters
    ----------
    x0 : (N, d) torch.Tensor
        Clean samples.
    t : (N,) int64 torch.Tensor or int
        Time step of each row, in 1..T.
    betas : (T,) torch.Tensor
        Noise schedule, ``betas[t-1]`` = beta_t.
    noise : (N, d) torch.Tensor
        Standard normal noise epsilon.

    Returns
    -------
    (N, d) torch.Tensor
        x_t.

    Raises
    ------
    TypeError
        If ``t`` is not an integer or a tensor argument is not floating.
    ValueError
        If ``t`` lies outside 1..T, shapes differ, or a beta_t is outside (0, 1).

    Notes
    -----
    hw3 problem 2; Ho et al. 2020 (arXiv:2006.11239), eq. 4:

    .. math::

        x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1-\bar\alpha_t}\, \epsilon.
    """
    require_tensor(x0, "x0")
    require_tensor(noise, "noise")
    _same_shape(x0, "x0", noise, "noise")
    require_betas(betas)
    require_time(t)
    abar_t = extract(alphas_cumprod(betas), t, x0.ndim)
    return torch.sqrt(abar_t) * x0 + torch.sqrt(1.0 - abar_t) * noise


def posterior_mean_from_eps(
    x_t: torch.Tensor, eps: torch.Tensor, t: int | torch.Tensor, betas: torch.Tensor
) -> torch.Tensor:
    r"""Posterior mean of q(x_{t-1} | x_t, x_0) written with the noise epsilon.

    Parameters
    ----------
    x_t : (N, d) torch.Tensor
        Noisy samples at step t.
    eps : (N, d) torch.Tensor
        The noise with x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps (or a
        prediction of it).
    t : (N,) int64 torch.Tensor or int
        Time step of each row, in 1..T.
    betas : (T,) torch.Tensor
        Noise schedule, ``betas[t-1]`` = beta_t.

    Returns
    -------
    (N, d) torch.Tensor
        mu_tilde_t.

    Raises
    ------
    TypeError
        If ``t`` is not an integer or a tensor argument is not floating.
    ValueError
        If ``t`` lies outside 1..T, shapes differ, or a beta_t is outside (0, 1).

    Notes
    -----
    hw3 problem 2; Ho et al. 2020 (arXiv:2006.11239), eq. 10-11:

    .. math::

        \tilde\mu_t = \frac{1}{\sqrt{\alpha_t}}
            \left(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,\epsilon\right).
    """
    require_tensor(x_t, "x_t")
    require_tensor(eps, "eps")
    _same_shape(x_t, "x_t", eps, "eps")
    require_betas(betas)
    require_time(t)
    beta_t = extract(betas, t, x_t.ndim)
    abar_t = extract(alphas_cumprod(betas), t, x_t.ndim)
    alpha_t = 1.0 - beta_t
    return (x_t - beta_t / torch.sqrt(1.0 - abar_t) * eps) / torch.sqrt(alpha_t)


def ddpm_eps_loss_weight(
    t: int | torch.Tensor, betas: torch.Tensor, sigma2: torch.Tensor
) -> torch.Tensor:
    r"""Weight of ||eps - eps_theta||^2 in the DDPM variational bound term L_{t-1}.

    Parameters
    ----------
    t : (N,) int64 torch.Tensor or int
        Time steps in 1..T.
    betas : (T,) torch.Tensor
        Noise schedule, ``betas[t-1]`` = beta_t.
    sigma2 : (T,) torch.Tensor
        Reverse-process variances, ``sigma2[t-1]`` = sigma_t^2 > 0.

    Returns
    -------
    (N,) torch.Tensor
        beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)) per time step (0-dim
        for an integer ``t``).

    Raises
    ------
    TypeError
        If ``t`` is not an integer or a tensor argument is not floating.
    ValueError
        If ``t`` lies outside 1..T, ``sigma2`` is not ``(T,)`` and positive, or a
        beta_t is outside (0, 1).

    Notes
    -----
    hw3 problem 2; Ho et al. 2020 (arXiv:2006.11239), eq. 12. With
    :math:`p_\theta(x_{t-1}|x_t) = \mathcal N(\mu_\theta, \sigma_t^2 I)` and
    :math:`\mu_\theta` of the form of :func:`posterior_mean_from_eps`,

    .. math::

        D_{KL}(q(x_{t-1}|x_t,x_0) \,\|\, p_\theta(x_{t-1}|x_t))
        = \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}
          \|\epsilon - \epsilon_\theta\|^2 + C.
    """
    require_betas(betas)
    require_tensor(sigma2, "sigma2", ndim=1)
    if sigma2.shape != betas.shape:
        raise ValueError(
            f"sigma2 must have the shape of betas {tuple(betas.shape)}, got {tuple(sigma2.shape)}"
        )
    require_positive(sigma2, "sigma2")
    require_time(t)
    beta_t = extract(betas, t, 1)
    abar_t = extract(alphas_cumprod(betas), t, 1)
    sigma2_t = extract(sigma2, t, 1)
    alpha_t = 1.0 - beta_t
    return beta_t**2 / (2.0 * sigma2_t * alpha_t * (1.0 - abar_t))


def ddpm_prior_kl(x0: torch.Tensor, betas: torch.Tensor) -> torch.Tensor:
    r"""Prior-matching term L_T = KL(q(x_T | x_0) || N(0, I)).

    Parameters
    ----------
    x0 : (N, d) torch.Tensor
        Clean samples.
    betas : (T,) torch.Tensor
        Noise schedule, ``betas[t-1]`` = beta_t.

    Returns
    -------
    (N,) torch.Tensor
        KL(N(sqrt(abar_T) x0_n, (1 - abar_T) I) || N(0, I)) for each row.

    Raises
    ------
    TypeError
        If a tensor argument is not floating.
    ValueError
        If ``x0`` is not 2-d or a beta_t is outside (0, 1).

    Notes
    -----
    hw3 problem 2; Ho et al. 2020 (arXiv:2006.11239), eq. 5 (term
    :math:`L_T`). Computed with :func:`reference.gaussian.gaussian_kl`
    (hw1 problem 2) with :math:`\mu_0 = \sqrt{\bar\alpha_T}x_0`,
    :math:`\sigma_0 = \sqrt{1-\bar\alpha_T}`, :math:`\mu_1 = 0`, :math:`\sigma_1 = 1`.
    """
    require_tensor(x0, "x0", ndim=2)
    require_betas(betas)
    T = betas.shape[0]
    abar_T = extract(alphas_cumprod(betas), T, x0.ndim)
    n = x0.shape[0]
    sigma0 = torch.sqrt(1.0 - abar_T).expand(n)
    sigma1 = torch.ones(n, dtype=x0.dtype, device=x0.device)
    return gaussian_kl(torch.sqrt(abar_T) * x0, sigma0, torch.zeros_like(x0), sigma1)
