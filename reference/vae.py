"""Diffusion as a progressive VAE (quiz1).

The noise process z_0 = y, z_l = alpha z_{l-1} + sqrt(1 - alpha^2) eps with a
constant 0 < alpha < 1 has closed-form marginals and transitions; with
alpha = exp(-1/N) and t = l/N it becomes the Ornstein-Uhlenbeck process
(``reference.sde.ou_sample``). The decoder trained to predict y from the
last, data-independent level collapses to the mean image, and a conditional
Gaussian VAE models p(z_{l-1} | z_l, l). Tensors are ``torch.float64``.

Glossary (quiz1, TTIC 31230 quiz 3):

==================  ==========================  ================================
code                symbol                      equation
==================  ==========================  ================================
``z0``              z_0 = y                     problem 1(a)
``alpha``           alpha                       per-level signal factor
``ell``, ``k``      l, k                        level and number of extra levels
``z_ell``           z_l                         problem 1(b)
``y``               y (images)                  problem 2(a)
``z_prev``          z_{l-1}                     problem 3
``enc_mean``        eps_Psi(z_{l-1}, z_l, l)    encoder mean
``enc_logvar``      log sigma_Psi^2             encoder log-variance
``dec_mean``        z_Phi(eps, z_l, l)          decoder mean
``dec_logvar``      log sigma_Phi^2             decoder log-variance
==================  ==========================  ================================
"""

from __future__ import annotations

import torch

from reference._validate import require_scalar, require_tensor
from reference.gaussian import kl_diag_normal_standard, log_normal_diag

__all__ = ["sample_z", "sample_z_forward", "optimal_denoiser_at_L", "cvae_loss"]


def _alpha(alpha: float | torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    alpha_ = require_scalar(alpha, "alpha", like=like)
    if not bool((alpha_ > 0) & (alpha_ < 1)):
        raise ValueError(f"alpha must lie in (0, 1), got {alpha_.item()!r}")
    return alpha_


def _levels(value: int | float | torch.Tensor, name: str, like: torch.Tensor) -> torch.Tensor:
    levels = require_scalar(value, name, like=like)
    if not bool(levels >= 0):
        raise ValueError(f"{name} (a number of levels) must be >= 0, got {levels.item()!r}")
    return levels


def _noised(
    z: torch.Tensor, alpha: torch.Tensor, levels: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    """alpha^levels z + sqrt(1 - alpha^(2 levels)) noise."""
    signal = alpha**levels
    return signal * z + torch.sqrt(1 - signal**2) * noise


def _check_pair(z: torch.Tensor, z_name: str, noise: torch.Tensor) -> None:
    require_tensor(z, z_name, ndim=2)
    require_tensor(noise, "noise", ndim=2)
    if noise.shape != z.shape:
        raise ValueError(
            f"noise must have the shape of {z_name}, {tuple(z.shape)}, got {tuple(noise.shape)}"
        )


def sample_z(
    z0: torch.Tensor, alpha: float | torch.Tensor, ell: int | float, noise: torch.Tensor
) -> torch.Tensor:
    r"""Sample z_l directly from z_0.

    Parameters
    ----------
    z0 : (N, d) torch.Tensor
        Clean data z_0 = y.
    alpha : float or 0-dim torch.Tensor
        Per-level factor, 0 < alpha < 1.
    ell : int
        Level l >= 0 (a non-negative real is accepted, as in problem 1(d)).
    noise : (N, d) torch.Tensor
        Standard normal draws.

    Returns
    -------
    (N, d) torch.Tensor
        alpha^l z0 + sqrt(1 - alpha^(2l)) noise.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If shapes differ, alpha is outside (0, 1) or ``ell < 0``.

    Notes
    -----
    quiz1 problem 1(a). Unrolling z_l = alpha z_{l-1} + sqrt(1 - alpha^2) eps_l
    gives a Gaussian with mean alpha^l z_0 and variance
    (1 - alpha^2) sum_{i<l} alpha^(2i) = 1 - alpha^(2l):

    .. math::

        z_\ell = \alpha^\ell z_0 + \sqrt{1 - \alpha^{2\ell}}\,\epsilon.
    """
    _check_pair(z0, "z0", noise)
    return _noised(z0, _alpha(alpha, z0), _levels(ell, "ell", z0), noise)


def sample_z_forward(
    z_ell: torch.Tensor, alpha: float | torch.Tensor, k: int | float, noise: torch.Tensor
) -> torch.Tensor:
    r"""Sample z_{l+k} from z_l.

    Parameters
    ----------
    z_ell : (N, d) torch.Tensor
        Values of z_l.
    alpha : float or 0-dim torch.Tensor
        Per-level factor, 0 < alpha < 1.
    k : int
        Number of further levels, k >= 0.
    noise : (N, d) torch.Tensor
        Standard normal draws.

    Returns
    -------
    (N, d) torch.Tensor
        alpha^k z_ell + sqrt(1 - alpha^(2k)) noise.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If shapes differ, alpha is outside (0, 1) or ``k < 0``.

    Notes
    -----
    quiz1 problem 1(b): the chain is time-homogeneous, so z_{l+k} | z_l is
    problem 1(a) with z_l in place of z_0. Composition: applied to
    ``sample_z(z0, alpha, l, .)`` it has the law of
    ``sample_z(z0, alpha, l + k, .)``, since
    alpha^(2k) (1 - alpha^(2l)) + 1 - alpha^(2k) = 1 - alpha^(2(l+k)).
    """
    _check_pair(z_ell, "z_ell", noise)
    return _noised(z_ell, _alpha(alpha, z_ell), _levels(k, "k", z_ell), noise)


def optimal_denoiser_at_L(y: torch.Tensor) -> torch.Tensor:
    r"""Optimal decoder output at the last level: the mean image.

    Parameters
    ----------
    y : (M, d) torch.Tensor
        The data set, one image per row, M >= 1.

    Returns
    -------
    (d,) torch.Tensor
        argmin_c E|y - c|^2 = (1/M) sum_m y_m.

    Raises
    ------
    TypeError
        If ``y`` is not a floating tensor.
    ValueError
        If ``y`` is not 2-d or has no rows.

    Notes
    -----
    quiz1 problem 2(a): z_L is independent of y, so the best predictor of y
    from z_L is a constant, and E|y - c|^2 = E|y - E y|^2 + |E y - c|^2 is
    minimised by c = E y (the empirical mean over the data set).
    """
    require_tensor(y, "y", ndim=2)
    if y.shape[0] == 0:
        raise ValueError("y must contain at least one image (M >= 1), got shape (0, d)")
    return y.mean(dim=0)


def cvae_loss(
    z_prev: torch.Tensor,
    enc_mean: torch.Tensor,
    enc_logvar: torch.Tensor,
    dec_mean: torch.Tensor,
    dec_logvar: torch.Tensor,
) -> torch.Tensor:
    r"""Negative ELBO of the conditional Gaussian VAE for p(z_{l-1} | z_l, l).

    Parameters
    ----------
    z_prev : (N, d) torch.Tensor
        Targets z_{l-1}.
    enc_mean : (N, k) torch.Tensor
        Encoder means eps_Psi(z_{l-1}, z_l, l).
    enc_logvar : (N, k) torch.Tensor
        Encoder log-variances log sigma_Psi^2.
    dec_mean : (N, d) torch.Tensor
        Decoder means z_Phi(eps, z_l, l), at the encoder's sample eps.
    dec_logvar : (N, d) torch.Tensor
        Decoder log-variances log sigma_Phi^2.

    Returns
    -------
    (N,) torch.Tensor
        KL(N(enc_mean, diag exp(enc_logvar)) || N(0, I))
        - log N(z_prev; dec_mean, diag exp(dec_logvar)).

    Raises
    ------
    TypeError
        If an argument is not a floating tensor.
    ValueError
        If an argument is not 2-d, the encoder or decoder shapes differ, or
        the batch sizes differ.

    Notes
    -----
    quiz1 problem 3 (Kingma and Welling 2014, arXiv:1312.6114, eq. 3 with a
    conditioning variable):

    .. math::

        \mathcal L = D_{KL}\bigl(p_\Psi(\epsilon \mid z_{\ell-1}, z_\ell, \ell)
        \,\|\, \mathcal N(0, I)\bigr)
        - \ln p_\Phi(z_{\ell-1} \mid \epsilon, z_\ell, \ell),

    a one-sample estimate of the negative ELBO; both Gaussians are
    diagonal. The KL and the log-density come from :mod:`reference.gaussian`.
    """
    for name, value in (
        ("z_prev", z_prev),
        ("enc_mean", enc_mean),
        ("enc_logvar", enc_logvar),
        ("dec_mean", dec_mean),
        ("dec_logvar", dec_logvar),
    ):
        require_tensor(value, name, ndim=2)
    if enc_mean.shape[0] != z_prev.shape[0]:
        raise ValueError(
            f"enc_mean must have one row per row of z_prev ({z_prev.shape[0]}), "
            f"got {enc_mean.shape[0]}"
        )
    return kl_diag_normal_standard(enc_mean, enc_logvar) - log_normal_diag(
        z_prev, dec_mean, dec_logvar
    )
