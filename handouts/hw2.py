"""Homework 2: DDPM, DDIM, denoising score matching near t = 0, attention

Implement every function below with exactly these names and parameters, then check your work with `grade check <this file> --assignment hw2`.
Functions and points: ddpm_posterior (10), ddpm_posterior_mean_from_score (6), ddim_step (8), ddim_forward_process (10), ddim_sample (12), ou_coefficients (6), dsm_loss (10), reverse_ode_drift (6), mha1 (10), mha2 (8), mha1_to_mha2 (8), mha_param_counts (6).

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
- Problem 1: q(x_{t-1} | x_t, x_0) without assuming beta_t ~ 0 (10 points)
- Problem 2: DDIM marginals by induction (10 points)
- Problem 3 (a)-(e): the DSM loss near t = 0 (15 points)
- Problem 4 (a)-(c): MHA1 = MHA2 and parameter counts (10 points)"""

import math

import numpy as np
import torch


def ddpm_posterior(x_t, x0, betas, t):
    r"""Mean and variance of the DDPM posterior q(x_{t-1} | x_t, x_0).

    [hw2, 10 points]

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
    raise NotImplementedError("ddpm_posterior: your code here")


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    r"""Posterior mean of q(x_{t-1} | x_t, x_0) written with the conditional score.

    [hw2, 6 points]

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
    raise NotImplementedError("ddpm_posterior_mean_from_score: your code here")


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    r"""One step x_{t+1} -> x_t of the DDIM forward process q(x_t | x_{t+1}, x_0).

    [hw2, 8 points]

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
    raise NotImplementedError("ddim_step: your code here")


def ddim_forward_process(x0, alphas, sigmas, noise):
    r"""Run the DDIM forward process from x_T down to x_1 given x_0.

    [hw2, 10 points]

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

    Notes
    -----
    hw2 problem 2; Song et al. 2021 (arXiv:2010.02502), eqs. 6-7:
    :math:`x_T = \sqrt{\alpha_T}x_0 + \sqrt{1-\alpha_T}\epsilon_T`, then
    :math:`x_t = ` :func:`ddim_step` :math:`(x_{t+1}, x_0, \alpha_t, \alpha_{t+1},
    \sigma_{t+1}, \epsilon_t)` for t = T-1, ..., 1. Each marginal is
    :math:`x_t \mid x_0 \sim \mathcal N(\sqrt{\alpha_t}x_0, (1-\alpha_t)I)`
    (Lemma 1 of the paper).
    """
    raise NotImplementedError("ddim_forward_process: your code here")


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    r"""Generalised DDIM sampler (eta between 0 and 1 chosen through ``sigmas``).

    [hw2, 12 points]

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
    raise NotImplementedError("ddim_sample: your code here")


def ou_coefficients(t):
    r"""Mean factor and standard deviation of the hw2 OU kernel p_{t|0}.

    [hw2, 6 points]

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

    Notes
    -----
    hw2 problem 3: for :math:`dX_t = -\tfrac12 X_t\,dt + dW_t`,
    :math:`X_t \mid X_0 \sim \mathcal N(\gamma_t X_0, \sigma_t^2)` with
    :math:`\gamma_t = e^{-t/2}`, :math:`\sigma_t^2 = 1 - e^{-t}`
    (Song et al. 2021, arXiv:2011.13456: the VP SDE of eq. 11 with beta = 1,
    whose transition kernel is given in appendix B).
    ``1 - exp(-t)`` is evaluated as ``-expm1(-t)`` for accuracy near t = 0.
    """
    raise NotImplementedError("ou_coefficients: your code here")


def dsm_loss(eps_model, x0, t, eps, lam):
    r"""Monte-Carlo denoising score-matching loss of hw2 problem 3 (OU process).

    [hw2, 10 points]

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
    raise NotImplementedError("dsm_loss: your code here")


def reverse_ode_drift(x, t, score):
    r"""Drift of the probability-flow ODE of the hw2 OU process.

    [hw2, 6 points]

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

    Notes
    -----
    hw2 problem 3(e); Song et al. 2021 (arXiv:2011.13456), eq. 13 with
    f = -x/2, g = 1: :math:`F = f - \tfrac12 g^2 \nabla\log p_t = -\tfrac12 x -
    \tfrac12 \nabla\log p_t(x)`. The ODE :math:`d\bar X_t = F\,dt` is solved
    backwards in time.
    """
    raise NotImplementedError("reverse_ode_drift: your code here")


def mha1(Q, K, V, params):
    r"""Standard multi-head attention with an output projection (MHA1).

    [hw2, 10 points]

    Parameters
    ----------
    Q : (L, d_Q) torch.Tensor
        Queries.
    K : (L, d_K) torch.Tensor
        Keys.
    V : (L, d_V) torch.Tensor
        Values.
    params : dict of torch.Tensor
        ``W_Q`` (H, d_Q, d_attn), ``W_K`` (H, d_K, d_attn),
        ``W_V`` (H, d_V, d_head), ``W_O`` (H d_head, d_out).

    Returns
    -------
    (L, d_out) torch.Tensor
        concat(head_1, ..., head_H) W_O.

    Notes
    -----
    hw2 problem 4; Vaswani et al. 2017 (arXiv:1706.03762), eqs. 1 and
    section 3.2.2, without biases or mask:

    .. math::

        \mathrm{head}_h = \operatorname{softmax}\!\left(
            \frac{Q W_h^Q (K W_h^K)^\top}{\sqrt{d_{attn}}}\right) V W_h^V,
        \qquad
        \mathrm{output} = [\mathrm{head}_1, \dots, \mathrm{head}_H]\, W^O.
    """
    raise NotImplementedError("mha1: your code here")


def mha2(Q, K, V, params):
    r"""Multi-head attention whose heads are summed, without output projection (MHA2).

    [hw2, 8 points]

    Parameters
    ----------
    Q : (L, d_Q) torch.Tensor
        Queries.
    K : (L, d_K) torch.Tensor
        Keys.
    V : (L, d_V) torch.Tensor
        Values.
    params : dict of torch.Tensor
        ``W_Q`` (H, d_Q, d_attn), ``W_K`` (H, d_K, d_attn),
        ``W_V`` (H, d_V, d_out). Any other key (e.g. ``W_O``) is ignored.

    Returns
    -------
    (L, d_out) torch.Tensor
        head_1 + ... + head_H.

    Notes
    -----
    hw2 problem 4:

    .. math::

        \mathrm{output} = \sum_{h=1}^H \operatorname{softmax}\!\left(
            \frac{Q W_h^Q (K W_h^K)^\top}{\sqrt{d_{attn}}}\right) V W_h^V.

    (Vaswani et al. 2017, arXiv:1706.03762, eq. 1 for the attention.)
    """
    raise NotImplementedError("mha2: your code here")


def mha1_to_mha2(params):
    r"""MHA2 parameters that compute the same function as the MHA1 parameters given.

    [hw2, 8 points]

    Parameters
    ----------
    params : dict of torch.Tensor
        MHA1 parameters ``W_Q``, ``W_K``, ``W_V`` (H, d_V, d_head),
        ``W_O`` (H d_head, d_out). Not modified.

    Returns
    -------
    dict of torch.Tensor
        A new dict: ``W_V`` (H, d_V, d_out) with W_V[h] <- W_V[h] W_O[h];
        every other key except ``W_O`` copied unchanged (as clones).

    Notes
    -----
    hw2 problem 4(a): split :math:`W^O` into row blocks
    :math:`W^O_h \in \mathbb R^{d_{head}\times d_{out}}` (rows
    h d_head ... (h+1) d_head - 1). Since
    :math:`[\mathrm{head}_1,\dots,\mathrm{head}_H] W^O = \sum_h \mathrm{head}_h W^O_h`,
    setting :math:`W_h^V \leftarrow W_h^V W_h^O` makes :func:`mha2` equal
    :func:`mha1`.
    """
    raise NotImplementedError("mha1_to_mha2: your code here")


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    r"""Numbers of trainable parameters of MHA1 and MHA2 (no biases).

    [hw2, 6 points]

    Parameters
    ----------
    d_Q, d_K, d_V : int
        Query, key and value input dimensions.
    d_attn : int
        Query/key projection dimension per head.
    d_head : int
        Value dimension per head in MHA1.
    d_out : int
        Output dimension.
    H : int
        Number of heads.

    Returns
    -------
    (int, int)
        (parameters of MHA1, parameters of MHA2).

    Notes
    -----
    hw2 problem 4(b):

    .. math::

        P_1 = H(d_Q d_{attn} + d_K d_{attn} + d_V d_{head}) + H d_{head} d_{out},
        \qquad
        P_2 = H(d_Q d_{attn} + d_K d_{attn} + d_V d_{out}).

    For 4(c), d_V = d_out = 512, d_head = 64:
    :math:`P_2 - P_1 = H(512^2 - 2\cdot 64\cdot 512) = 196608\,H`, i.e.
    1,572,864 with the customary H = d_out / d_head = 8 (the problem set
    does not state H).
    """
    raise NotImplementedError("mha_param_counts: your code here")
