"""Homework 3: the DDPM objective and score matching

Implement every function below with exactly these names and parameters, then check your work with `grade check <this file> --assignment hw3`.
Functions and points: ddpm_q_sample (14), posterior_mean_from_eps (14), ddpm_eps_loss_weight (14), ddpm_prior_kl (14), implicit_score_matching_loss (24), denoising_score_matching_loss (20).

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
- Problem 1 (true or false): a diffusion model for text (masking / embeddings, position information) (5 points)
- Problem 2.1: q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) by induction (5 points)
- Problem 2.2: mu_tilde_t = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) (5 points)
- Problem 2.3: the variational bound and its decomposition into L_T, L_{t-1}, L_0 (10 points)
- Problem 2.4: L_{t-1} as a weighted ||eps - eps_theta||^2 (5 points)
- Problem 3: implicit score matching by integration by parts (10 points)
- Problem 4: denoising score matching equals explicit score matching on q_sigma up to a constant (10 points)
- Problem 5: NCSN and DDPM compared; the noise predictor as a scaled score (10 points)"""

import math

import numpy as np
import torch


def ddpm_q_sample(x0, t, betas, noise):
    r"""Sample x_t ~ q(x_t | x_0) with the noise given.

    [hw3, 14 points]

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

    Notes
    -----
    hw3 problem 2; Ho et al. 2020 (arXiv:2006.11239), eq. 4:

    .. math::

        x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1-\bar\alpha_t}\, \epsilon.
    """
    raise NotImplementedError("ddpm_q_sample: your code here")


def posterior_mean_from_eps(x_t, eps, t, betas):
    r"""Posterior mean of q(x_{t-1} | x_t, x_0) written with the noise epsilon.

    [hw3, 14 points]

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

    Notes
    -----
    hw3 problem 2; Ho et al. 2020 (arXiv:2006.11239), eq. 10-11:

    .. math::

        \tilde\mu_t = \frac{1}{\sqrt{\alpha_t}}
            \left(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\,\epsilon\right).
    """
    raise NotImplementedError("posterior_mean_from_eps: your code here")


def ddpm_eps_loss_weight(t, betas, sigma2):
    r"""Weight of ||eps - eps_theta||^2 in the DDPM variational bound term L_{t-1}.

    [hw3, 14 points]

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
    raise NotImplementedError("ddpm_eps_loss_weight: your code here")


def ddpm_prior_kl(x0, betas):
    r"""Prior-matching term L_T = KL(q(x_T | x_0) || N(0, I)).

    [hw3, 14 points]

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

    Notes
    -----
    hw3 problem 2; Ho et al. 2020 (arXiv:2006.11239), eq. 5 (term
    :math:`L_T`). Computed with :func:`reference.gaussian.gaussian_kl`
    (hw1 problem 2) with :math:`\mu_0 = \sqrt{\bar\alpha_T}x_0`,
    :math:`\sigma_0 = \sqrt{1-\bar\alpha_T}`, :math:`\mu_1 = 0`, :math:`\sigma_1 = 1`.
    """
    raise NotImplementedError("ddpm_prior_kl: your code here")


def implicit_score_matching_loss(score_model, x):
    r"""Implicit (Hyvarinen) score-matching loss with the exact Jacobian trace.

    [hw3, 24 points]

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
    raise NotImplementedError("implicit_score_matching_loss: your code here")


def denoising_score_matching_loss(score_model, x, sigma, noise):
    r"""Denoising score-matching loss at a single noise level sigma.

    [hw3, 20 points]

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
    raise NotImplementedError("denoising_score_matching_loss: your code here")
