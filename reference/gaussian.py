"""Closed-form Gaussian quantities: KL divergences and log-densities.

Written once here and imported by every module that needs them
(``ddpm.ddpm_prior_kl``, the quiz1 VAE loss). Tensors are ``torch.float64``;
the batch dimension ``N`` comes first and ``d`` is the last dimension.

Glossary:

============  ===================  ==========================================
code          symbol               equation
============  ===================  ==========================================
``mu0``       mu_0                 mean of the first Gaussian (hw1 problem 2)
``sigma0``    sigma_0              its standard deviation (isotropic)
``mu1``       mu_1                 mean of the second Gaussian
``sigma1``    sigma_1              its standard deviation (isotropic)
``mean``      mu                   mean of a diagonal Gaussian
``logvar``    log sigma^2          elementwise log-variance
============  ===================  ==========================================
"""

from __future__ import annotations

import math

import torch

from ._validate import require_positive, require_tensor

__all__ = ["gaussian_kl", "kl_diag_normal_standard", "log_normal_diag"]


def _std(value: float | torch.Tensor, name: str, like: torch.Tensor) -> torch.Tensor:
    """A standard deviation (a number or ``(N,)`` tensor) as an ``(N,)``-broadcastable tensor."""
    if isinstance(value, bool) or not isinstance(value, (int, float, torch.Tensor)):
        raise TypeError(f"{name} must be a number or an (N,) tensor, got {type(value).__name__}")
    std = torch.as_tensor(value, dtype=like.dtype, device=like.device)
    if std.ndim > 1:
        raise ValueError(f"{name} must be a number or an (N,) tensor, got shape {tuple(std.shape)}")
    require_positive(std, name)
    return std


def gaussian_kl(
    mu0: torch.Tensor,
    sigma0: float | torch.Tensor,
    mu1: torch.Tensor,
    sigma1: float | torch.Tensor,
) -> torch.Tensor:
    r"""KL divergence between two isotropic Gaussians, row by row.

    Parameters
    ----------
    mu0 : (N, d) torch.Tensor
        Means of the first distribution.
    sigma0 : (N,) torch.Tensor or float
        Standard deviations (not variances) of the first distribution.
    mu1 : (N, d) torch.Tensor
        Means of the second distribution.
    sigma1 : (N,) torch.Tensor or float
        Standard deviations of the second distribution.

    Returns
    -------
    (N,) torch.Tensor
        KL(N(mu0_n, sigma0_n^2 I) || N(mu1_n, sigma1_n^2 I)) for each row n.

    Raises
    ------
    TypeError
        If an argument is not a tensor (or a number for the standard deviations).
    ValueError
        If the means differ in shape, are not 2-d, or a standard deviation is not > 0.

    Notes
    -----
    hw1 problem 2:

    .. math::

        D_{KL} = \frac{\|\mu_1 - \mu_0\|^2}{2\sigma_1^2}
                 + \frac{d}{2}\left(\frac{\sigma_0^2}{\sigma_1^2} - 1\right)
                 + d \log\frac{\sigma_1}{\sigma_0}.

    This is the KL term of the DDPM variational bound (Ho et al. 2020,
    arXiv:2006.11239, eq. 5).
    """
    require_tensor(mu0, "mu0", ndim=2)
    require_tensor(mu1, "mu1", ndim=2)
    if mu0.shape != mu1.shape:
        raise ValueError(
            f"mu0 and mu1 must have the same shape (N, d), got {tuple(mu0.shape)} and "
            f"{tuple(mu1.shape)}"
        )
    std0 = _std(sigma0, "sigma0", mu0)
    std1 = _std(sigma1, "sigma1", mu0)
    d = mu0.shape[-1]
    var1 = std1**2
    sq_dist = ((mu1 - mu0) ** 2).sum(dim=-1)
    return sq_dist / (2.0 * var1) + 0.5 * d * (std0**2 / var1 - 1.0) + d * torch.log(std1 / std0)


def kl_diag_normal_standard(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""KL divergence from a diagonal Gaussian to the standard normal, row by row.

    Parameters
    ----------
    mean : (N, d) torch.Tensor
        Means mu of the diagonal Gaussians.
    logvar : (N, d) torch.Tensor
        Elementwise log-variances log sigma^2.

    Returns
    -------
    (N,) torch.Tensor
        KL(N(mean_n, diag exp(logvar_n)) || N(0, I)), summed over the last dimension.

    Raises
    ------
    TypeError
        If an argument is not a floating tensor.
    ValueError
        If the shapes differ.

    Notes
    -----
    .. math::

        D_{KL} = \frac12 \sum_i \left(e^{\ell_i} + \mu_i^2 - 1 - \ell_i\right),
        \qquad \ell = \log\sigma^2.

    The regulariser of the Gaussian VAE (quiz1 problem 3; Kingma and Welling
    2014, arXiv:1312.6114, appendix B).
    """
    require_tensor(mean, "mean")
    require_tensor(logvar, "logvar")
    if mean.shape != logvar.shape:
        raise ValueError(
            f"mean and logvar must have the same shape, got {tuple(mean.shape)} and "
            f"{tuple(logvar.shape)}"
        )
    return 0.5 * (torch.exp(logvar) + mean**2 - 1.0 - logvar).sum(dim=-1)


def log_normal_diag(x: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""Log-density of a diagonal Gaussian, summed over the last dimension.

    Parameters
    ----------
    x : (N, d) torch.Tensor
        Points at which the density is evaluated.
    mean : (N, d) torch.Tensor
        Means mu.
    logvar : (N, d) torch.Tensor
        Elementwise log-variances log sigma^2.

    Returns
    -------
    (N,) torch.Tensor
        log N(x_n; mean_n, diag exp(logvar_n)).

    Raises
    ------
    TypeError
        If an argument is not a floating tensor.
    ValueError
        If the shapes differ.

    Notes
    -----
    .. math::

        \log \mathcal N(x; \mu, \operatorname{diag} e^{\ell})
        = -\frac12 \sum_i \left(\log 2\pi + \ell_i + (x_i - \mu_i)^2 e^{-\ell_i}\right).

    The reconstruction term of the Gaussian VAE (quiz1 problem 3).
    """
    require_tensor(x, "x")
    require_tensor(mean, "mean")
    require_tensor(logvar, "logvar")
    if not (x.shape == mean.shape == logvar.shape):
        raise ValueError(
            f"x, mean and logvar must have the same shape, got {tuple(x.shape)}, "
            f"{tuple(mean.shape)} and {tuple(logvar.shape)}"
        )
    sq_mahalanobis = (x - mean) ** 2 * torch.exp(-logvar)
    return -0.5 * (math.log(2.0 * math.pi) + logvar + sq_mahalanobis).sum(dim=-1)
