"""Quiz 1: diffusion as a progressive VAE

Implement every function below with exactly these names and parameters, then check your work with `grade check <this file> --assignment quiz1`.
Functions and points: sample_z (16), sample_z_forward (14), ou_sample (16), ou_euler_step (14), optimal_denoiser_at_L (14), cvae_loss (26).

Conventions (all assignments):
- Tensors passed in are torch.float64; integer steps are Python ints or int64 tensors.
- Return a torch.Tensor, a numpy.ndarray or a Python number; results are compared in
  float64 (float32 is accepted at float32 accuracy).
- Time is 1-indexed: betas[t-1] is beta_t, abar_t = prod_{s<=t} (1 - beta_s), abar_0 = 1.
  In DDIM (hw2 problem 2), alphas[t-1] is the cumulative alpha_t.
- Randomness is passed in: never draw random numbers, use the `noise` you are given.
- Do not modify inputs in place.
- Public checks use the same inputs for everyone; hidden checks use inputs drawn for you.

Written parts (submitted separately, graded by the instructors):
- Problem 1 (a)-(e): unrolling the chain, alpha = exp(-1/N), the continuum w(t), the SDE form (delta ~ N(0, 2I)) (6 points)
- Problem 2 (b): what the mean-image decoder implies for the diversity of samples (4 points)
- Problem 2 (c): why generators built on (1) and (2) are diverse in practice (4 points)
- Problem 3: the encoder equation and the joint training objective of the conditional VAE (6 points)"""

import math

import numpy as np
import torch


def sample_z(z0, alpha, ell, noise):
    r"""Sample z_l directly from z_0.

    [quiz1, 16 points]

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

    Notes
    -----
    quiz1 problem 1(a). Unrolling z_l = alpha z_{l-1} + sqrt(1 - alpha^2) eps_l
    gives a Gaussian with mean alpha^l z_0 and variance
    (1 - alpha^2) sum_{i<l} alpha^(2i) = 1 - alpha^(2l):

    .. math::

        z_\ell = \alpha^\ell z_0 + \sqrt{1 - \alpha^{2\ell}}\,\epsilon.
    """
    raise NotImplementedError("sample_z: your code here")


def sample_z_forward(z_ell, alpha, k, noise):
    r"""Sample z_{l+k} from z_l.

    [quiz1, 14 points]

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

    Notes
    -----
    quiz1 problem 1(b): the chain is time-homogeneous, so z_{l+k} | z_l is
    problem 1(a) with z_l in place of z_0. Composition: applied to
    ``sample_z(z0, alpha, l, .)`` it has the law of
    ``sample_z(z0, alpha, l + k, .)``, since
    alpha^(2k) (1 - alpha^(2l)) + 1 - alpha^(2k) = 1 - alpha^(2(l+k)).
    """
    raise NotImplementedError("sample_z_forward: your code here")


def ou_sample(w0, t, noise):
    r"""Exact sample of quiz1's OU process w(t) given w(0).

    [quiz1, 16 points]

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

    Notes
    -----
    quiz1 problem 1(d): the continuum limit of
    :math:`z_\ell = \alpha^\ell z_0 + \sqrt{1-\alpha^{2\ell}}\,\epsilon` with
    :math:`\alpha = e^{-1/N}`, :math:`\ell = Nt`; it solves
    :math:`dw = -w\,dt + \sqrt2\,dB` (note: twice the speed of hw2's OU;
    Song et al. 2021, arXiv:2011.13456, eq. 11).
    """
    raise NotImplementedError("ou_sample: your code here")


def ou_euler_step(w, dt, noise):
    r"""One Euler-Maruyama step of quiz1's OU SDE dw = -w dt + sqrt(2) dB.

    [quiz1, 14 points]

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

    Notes
    -----
    quiz1 problem 1(e): :math:`e^{-\Delta t} \approx 1 - \Delta t` turns
    :func:`ou_sample` into :math:`w + \Delta w`,
    :math:`\Delta w = -w\,\Delta t + \sqrt{2\Delta t}\,\epsilon`.
    """
    raise NotImplementedError("ou_euler_step: your code here")


def optimal_denoiser_at_L(y):
    r"""Optimal decoder output at the last level: the mean image.

    [quiz1, 14 points]

    Parameters
    ----------
    y : (M, d) torch.Tensor
        The data set, one image per row, M >= 1.

    Returns
    -------
    (d,) torch.Tensor
        argmin_c E|y - c|^2 = (1/M) sum_m y_m.

    Notes
    -----
    quiz1 problem 2(a): z_L is independent of y, so the best predictor of y
    from z_L is a constant, and E|y - c|^2 = E|y - E y|^2 + |E y - c|^2 is
    minimised by c = E y (the empirical mean over the data set).
    """
    raise NotImplementedError("optimal_denoiser_at_L: your code here")


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    r"""Negative ELBO of the conditional Gaussian VAE for p(z_{l-1} | z_l, l).

    [quiz1, 26 points]

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
    raise NotImplementedError("cvae_loss: your code here")
