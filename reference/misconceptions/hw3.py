"""Misconceptions of hw3 (the DDPM objective, implicit and denoising score matching).

Each function below has the contract's signature and reproduces one mistake;
the decorator records its title, a short explanation and the equation it
gets wrong. Conventions as in :mod:`reference` (float64, 1-indexed time,
``t`` an ``[N]`` int64 tensor of steps in 1..T). The sample class
(``submissions/hw3/ROSTER.md``) makes six of them: ``ddpm_q_sample``
abar_prev (max_planck), ``posterior_mean_from_eps`` abar_not_alpha
(wolfgang_pauli), ``ddpm_eps_loss_weight`` missing_two (erwin_schroedinger),
``ddpm_prior_kl`` swapped (werner_heisenberg), ``implicit_score_matching_loss``
no_half (enrico_fermi) and ``denoising_score_matching_loss`` sign
(richard_feynman).
"""

from __future__ import annotations

import torch

from reference._schedule import alphas_cumprod, alphas_cumprod_prev, extract
from reference.misconceptions import misconception

P2_1 = "hw3 problem 2.1: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps"
P2_2 = "hw3 problem 2.2: mu_tilde_t = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t)"
P2_3 = "hw3 problem 2.3: L_T = KL(q(x_T | x_0) || N(0, I))"
P2_4 = "hw3 problem 2.4: L_{t-1} = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)) ||eps - eps_theta||^2"
P3 = "hw3 problem 3: J = E[tr(ds/dx) + |s|^2 / 2]"
P4 = "hw3 problem 4: (1/2) E|s(x + sigma eps) + eps / sigma|^2"


def _coef(betas: torch.Tensor, t: torch.Tensor, ndim: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """beta_t, abar_t, abar_{t-1}, each shaped to broadcast against an ``ndim`` tensor."""
    return (extract(betas, t, ndim), extract(alphas_cumprod(betas), t, ndim),
            extract(alphas_cumprod_prev(betas), t, ndim))


# -- ddpm_q_sample ------------------------------------------------------------------------------
@misconception("hw3", "ddpm_q_sample", "abar_{t-1} used instead of abar_t",
               "q(x_t | x_0) uses the cumulative product up to and including t, abar_t = prod_{s<=t} "
               "alpha_s; taking the 'previous' product abar_{t-1} is off by one step (at t = 1 it "
               "returns x_0 without any noise).", P2_1)
def ddpm_q_sample__abar_prev(x0, t, betas, noise):  # noqa: D103
    _, _, abar_prev = _coef(betas, t, x0.ndim)
    return abar_prev.sqrt() * x0 + (1 - abar_prev).sqrt() * noise


@misconception("hw3", "ddpm_q_sample", "Variance 1 - abar_t used as the noise scale",
               "The noise is multiplied by the standard deviation sqrt(1 - abar_t), not by the "
               "variance 1 - abar_t.", P2_1)
def ddpm_q_sample__variance_not_std(x0, t, betas, noise):  # noqa: D103
    _, abar, _ = _coef(betas, t, x0.ndim)
    return abar.sqrt() * x0 + (1 - abar) * noise


@misconception("hw3", "ddpm_q_sample", "alpha_t used instead of the cumulative abar_t",
               "Jumping from x_0 to x_t in one step composes t forward steps: the coefficients use "
               "abar_t = prod_{s<=t} (1 - beta_s), not the single-step alpha_t = 1 - beta_t.", P2_1)
def ddpm_q_sample__alpha_not_abar(x0, t, betas, noise):  # noqa: D103
    alpha = 1 - extract(betas, t, x0.ndim)
    return alpha.sqrt() * x0 + (1 - alpha).sqrt() * noise


@misconception("hw3", "ddpm_q_sample", "Time indexed from 0 (abar_{t+1})",
               "Time is 1-indexed: abar_t is alphas_cumprod[t - 1]. Indexing alphas_cumprod[t] takes "
               "abar_{t+1} and fails at t = T.", P2_1)
def ddpm_q_sample__zero_indexed(x0, t, betas, noise):  # noqa: D103
    abar = alphas_cumprod(betas)[t].reshape(-1, *([1] * (x0.ndim - 1)))  # IndexError at t = T
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


@misconception("hw3", "ddpm_q_sample", "Square root missing on abar_t in the mean",
               "q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I): the mean scales x_0 by sqrt(abar_t), "
               "so that the variance of x_t stays 1 for unit-variance data.", P2_1)
def ddpm_q_sample__mean_no_sqrt(x0, t, betas, noise):  # noqa: D103
    _, abar, _ = _coef(betas, t, x0.ndim)
    return abar * x0 + (1 - abar).sqrt() * noise


@misconception("hw3", "ddpm_q_sample", "Noise of one step, sqrt(beta_t), with the cumulative mean",
               "The noise accumulated over t steps has variance 1 - abar_t; beta_t = 1 - alpha_t is the "
               "variance of the last step only.", P2_1)
def ddpm_q_sample__noise_one_step(x0, t, betas, noise):  # noqa: D103
    beta, abar, _ = _coef(betas, t, x0.ndim)
    return abar.sqrt() * x0 + beta.sqrt() * noise


@misconception("hw3", "ddpm_q_sample", "Coefficients of x_0 and noise swapped",
               "x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps: the signal coefficient sqrt(abar_t) is "
               "close to 1 at small t and the noise coefficient close to 0.", P2_1)
def ddpm_q_sample__coefficients_swapped(x0, t, betas, noise):  # noqa: D103
    _, abar, _ = _coef(betas, t, x0.ndim)
    return (1 - abar).sqrt() * x0 + abar.sqrt() * noise


# -- posterior_mean_from_eps --------------------------------------------------------------------
@misconception("hw3", "posterior_mean_from_eps", "Divided by sqrt(abar_t) instead of sqrt(alpha_t)",
               "One reverse step undoes one forward step: the overall factor is 1 / sqrt(alpha_t), "
               "not the cumulative 1 / sqrt(abar_t) (the two agree only at t = 1).", P2_2)
def posterior_mean_from_eps__abar_not_alpha(x_t, eps, t, betas):  # noqa: D103
    beta, abar, _ = _coef(betas, t, x_t.ndim)
    return (x_t - beta / (1 - abar).sqrt() * eps) / abar.sqrt()


@misconception("hw3", "posterior_mean_from_eps", "Square root missing on 1 - abar_t",
               "The noise coefficient is beta_t / sqrt(1 - abar_t): eps is scaled by the standard "
               "deviation sqrt(1 - abar_t) in x_t.", P2_2)
def posterior_mean_from_eps__no_sqrt(x_t, eps, t, betas):  # noqa: D103
    beta, abar, _ = _coef(betas, t, x_t.ndim)
    return (x_t - beta / (1 - abar) * eps) / (1 - beta).sqrt()


@misconception("hw3", "posterior_mean_from_eps", "Noise added instead of removed",
               "The posterior mean moves x_t away from the noise: x_t - beta_t / sqrt(1 - abar_t) eps.",
               P2_2)
def posterior_mean_from_eps__sign(x_t, eps, t, betas):  # noqa: D103
    beta, abar, _ = _coef(betas, t, x_t.ndim)
    return (x_t + beta / (1 - abar).sqrt() * eps) / (1 - beta).sqrt()


@misconception("hw3", "posterior_mean_from_eps", "Returned the x_0 estimate instead of the posterior mean",
               "x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t) is the prediction of x_0; the "
               "posterior mean of x_{t-1} substitutes it into mu_tilde_t(x_t, x_0).", P2_2)
def posterior_mean_from_eps__x0_hat(x_t, eps, t, betas):  # noqa: D103
    _, abar, _ = _coef(betas, t, x_t.ndim)
    return (x_t - (1 - abar).sqrt() * eps) / abar.sqrt()


@misconception("hw3", "posterior_mean_from_eps", "Time indexed from 0: betas[t] taken as beta_t",
               "Time is 1-indexed: beta_t = betas[t-1] and abar_t = alphas_cumprod[t-1]; indexing with t "
               "takes step t + 1 (and fails at t = T).", P2_2)
def posterior_mean_from_eps__zero_indexed(x_t, eps, t, betas):  # noqa: D103
    shape = (-1,) + (1,) * (x_t.ndim - 1)
    beta, abar = betas[t].reshape(shape), alphas_cumprod(betas)[t].reshape(shape)  # IndexError at t = T
    return (x_t - beta / (1 - abar).sqrt() * eps) / (1 - beta).sqrt()


@misconception("hw3", "posterior_mean_from_eps", "Only x_t divided by sqrt(alpha_t)",
               "The whole difference is rescaled: (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t).",
               P2_2)
def posterior_mean_from_eps__parenthesis(x_t, eps, t, betas):  # noqa: D103
    beta, abar, _ = _coef(betas, t, x_t.ndim)
    return x_t / (1 - beta).sqrt() - beta / (1 - abar).sqrt() * eps


@misconception("hw3", "posterior_mean_from_eps",
               "Noise coefficient sqrt(1 - abar_t) instead of beta_t / sqrt(1 - abar_t)",
               "sqrt(1 - abar_t) eps is all the noise in x_t (used for x0_hat); one reverse step removes "
               "only the part beta_t / sqrt(1 - abar_t) eps.", P2_2)
def posterior_mean_from_eps__full_noise(x_t, eps, t, betas):  # noqa: D103
    beta, abar, _ = _coef(betas, t, x_t.ndim)
    return (x_t - (1 - abar).sqrt() * eps) / (1 - beta).sqrt()


@misconception("hw3", "posterior_mean_from_eps", "Multiplied by sqrt(alpha_t) instead of divided",
               "The forward step scaled x_{t-1} by sqrt(alpha_t); the reverse mean undoes it: "
               "(x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t).", P2_2)
def posterior_mean_from_eps__times_sqrt_alpha(x_t, eps, t, betas):  # noqa: D103
    beta, abar, _ = _coef(betas, t, x_t.ndim)
    return (x_t - beta / (1 - abar).sqrt() * eps) * (1 - beta).sqrt()


@misconception("hw3", "posterior_mean_from_eps", "Divided by alpha_t instead of sqrt(alpha_t)",
               "The overall factor is 1 / sqrt(alpha_t) = 1 / sqrt(1 - beta_t).", P2_2)
def posterior_mean_from_eps__alpha_no_sqrt(x_t, eps, t, betas):  # noqa: D103
    beta, abar, _ = _coef(betas, t, x_t.ndim)
    return (x_t - beta / (1 - abar).sqrt() * eps) / (1 - beta)


# -- ddpm_eps_loss_weight -----------------------------------------------------------------------
def _weight_parts(t, betas, sigma2):
    beta, abar, _ = _coef(betas, t, 1)
    return beta, 1 - beta, abar, extract(sigma2, t, 1)


@misconception("hw3", "ddpm_eps_loss_weight", "Factor 1/2 of the Gaussian KL left out",
               "KL between Gaussians with the same variance sigma_t^2 is |mu_1 - mu_2|^2 / (2 sigma_t^2): "
               "the weight is beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)).", P2_4)
def ddpm_eps_loss_weight__missing_two(t, betas, sigma2):  # noqa: D103
    beta, alpha, abar, s2 = _weight_parts(t, betas, sigma2)
    return beta**2 / (s2 * alpha * (1 - abar))


@misconception("hw3", "ddpm_eps_loss_weight", "sigma_t used where sigma_t^2 is needed",
               "sigma2 holds the variances sigma_t^2 already; the KL divides by 2 sigma_t^2, so take "
               "sigma2[t-1] as it is (no square root).", P2_4)
def ddpm_eps_loss_weight__sigma_not_squared(t, betas, sigma2):  # noqa: D103
    beta, alpha, abar, s2 = _weight_parts(t, betas, sigma2)
    return beta**2 / (2 * s2.sqrt() * alpha * (1 - abar))


@misconception("hw3", "ddpm_eps_loss_weight", "Coefficient of eps - eps_theta not squared",
               "mu_tilde_t - mu_theta = beta_t / (sqrt(alpha_t) sqrt(1 - abar_t)) (eps_theta - eps); its "
               "squared norm carries the square of that coefficient, beta_t^2 / (alpha_t (1 - abar_t)).",
               P2_4)
def ddpm_eps_loss_weight__not_squared(t, betas, sigma2):  # noqa: D103
    beta, alpha, abar, s2 = _weight_parts(t, betas, sigma2)
    return beta / (2 * s2 * (alpha * (1 - abar)).sqrt())


@misconception("hw3", "ddpm_eps_loss_weight", "abar_t used instead of alpha_t in the denominator",
               "The 1 / sqrt(alpha_t) of the posterior mean is a one-step factor: the weight has "
               "alpha_t (1 - abar_t) in its denominator, not abar_t (1 - abar_t).", P2_4)
def ddpm_eps_loss_weight__abar_not_alpha(t, betas, sigma2):  # noqa: D103
    beta, _, abar, s2 = _weight_parts(t, betas, sigma2)
    return beta**2 / (2 * s2 * abar * (1 - abar))


@misconception("hw3", "ddpm_eps_loss_weight", "sigma_t^4: the variance squared (1 / (2 ||Sigma||^2))",
               "The KL of two Gaussians with covariance sigma_t^2 I divides the squared mean difference by "
               "2 sigma_t^2, not by 2 sigma_t^4: sigma2[t-1] is used once.", P2_4)
def ddpm_eps_loss_weight__sigma_fourth(t, betas, sigma2):  # noqa: D103
    beta, alpha, abar, s2 = _weight_parts(t, betas, sigma2)
    return beta**2 / (2 * s2**2 * alpha * (1 - abar))


@misconception("hw3", "ddpm_eps_loss_weight", "1 - abar_{t-1} instead of 1 - abar_t",
               "The noise coefficient of the posterior mean is beta_t / sqrt(1 - abar_t), from "
               "x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps: the weight has 1 - abar_t (at t = 1, "
               "1 - abar_0 = 0).", P2_4)
def ddpm_eps_loss_weight__abar_prev(t, betas, sigma2):  # noqa: D103
    beta, alpha, _, s2 = _weight_parts(t, betas, sigma2)
    abar_prev = extract(alphas_cumprod_prev(betas), t, 1)
    return beta**2 / (2 * s2 * alpha * (1 - abar_prev))


@misconception("hw3", "ddpm_eps_loss_weight", "beta_t instead of beta_t^2 in the numerator",
               "The coefficient beta_t / (sqrt(alpha_t) sqrt(1 - abar_t)) is squared with the norm: the "
               "numerator is beta_t^2.", P2_4)
def ddpm_eps_loss_weight__beta_not_squared(t, betas, sigma2):  # noqa: D103
    beta, alpha, abar, s2 = _weight_parts(t, betas, sigma2)
    return beta / (2 * s2 * alpha * (1 - abar))


@misconception("hw3", "ddpm_eps_loss_weight", "alpha_t left out of the denominator",
               "mu_tilde_t carries the factor 1 / sqrt(alpha_t); squared it gives alpha_t in the "
               "denominator: beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)).", P2_4)
def ddpm_eps_loss_weight__no_alpha(t, betas, sigma2):  # noqa: D103
    beta, _, abar, s2 = _weight_parts(t, betas, sigma2)
    return beta**2 / (2 * s2 * (1 - abar))


@misconception("hw3", "ddpm_eps_loss_weight", "sqrt(1 - abar_t) left unsquared in the denominator",
               "Squaring beta_t / (sqrt(alpha_t) sqrt(1 - abar_t)) squares both square roots: the "
               "denominator is alpha_t (1 - abar_t).", P2_4)
def ddpm_eps_loss_weight__one_minus_abar_sqrt(t, betas, sigma2):  # noqa: D103
    beta, alpha, abar, s2 = _weight_parts(t, betas, sigma2)
    return beta**2 / (2 * s2 * alpha * (1 - abar).sqrt())


@misconception("hw3", "ddpm_eps_loss_weight", "Reverse variance sigma_t^2 left out",
               "L_{t-1} is a KL between Gaussians of variance sigma_t^2: the squared mean difference is "
               "divided by 2 sigma_t^2.", P2_4)
def ddpm_eps_loss_weight__no_sigma(t, betas, sigma2):  # noqa: D103
    beta, alpha, abar, _ = _weight_parts(t, betas, sigma2)
    return beta**2 / (2 * alpha * (1 - abar))


# -- ddpm_prior_kl ------------------------------------------------------------------------------
def _kl(x0, abar_T, var_T, reduce="sum"):
    """KL(N(sqrt(abar_T) x0, var_T I) || N(0, I)) per row, summed (or averaged) over coordinates."""
    per_coord = 0.5 * (var_T + abar_T * x0**2 - 1 - torch.log(var_T))
    return per_coord.sum(dim=1) if reduce == "sum" else per_coord.mean(dim=1)


@misconception("hw3", "ddpm_prior_kl", "KL arguments swapped",
               "L_T = KL(q(x_T | x_0) || p(x_T)) with q first: KL(N(m, v I) || N(0, I)) = "
               "(d v + |m|^2 - d - d log v) / 2. KL is not symmetric; KL(N(0, I) || N(m, v I)) = "
               "(|m|^2 / v + d / v - d + d log v) / 2 is a different number.", P2_3)
def ddpm_prior_kl__swapped(x0, betas):  # noqa: D103
    abar = alphas_cumprod(betas)[-1]
    v = 1 - abar
    d = x0.shape[1]
    return 0.5 * (abar * (x0**2).sum(dim=1) / v + d / v - d + d * torch.log(v))


@misconception("hw3", "ddpm_prior_kl", "log-determinant taken as log v instead of d log v",
               "The covariance is v I in d dimensions: log det(v I) = d log v, so the log term is "
               "-d log v / 2.", P2_3)
def ddpm_prior_kl__log_not_times_d(x0, betas):  # noqa: D103
    abar = alphas_cumprod(betas)[-1]
    v = 1 - abar
    d = x0.shape[1]
    return 0.5 * (d * v + abar * (x0**2).sum(dim=1) - d - torch.log(v))


@misconception("hw3", "ddpm_prior_kl", "Per-coordinate terms counted once: no factor d",
               "In d dimensions KL(N(m, v I) || N(0, I)) = (d v + |m|^2 - d - d log v) / 2: the variance, "
               "constant and log terms each appear once per coordinate.", P2_3)
def ddpm_prior_kl__no_d(x0, betas):  # noqa: D103
    abar = alphas_cumprod(betas)[-1]
    v = 1 - abar
    return 0.5 * (v + abar * (x0**2).sum(dim=1) - 1 - torch.log(v))


@misconception("hw3", "ddpm_prior_kl", "Standard deviation sqrt(1 - abar_T) used as the variance",
               "q(x_T | x_0) has covariance (1 - abar_T) I; sqrt(1 - abar_T) is its standard deviation.",
               P2_3)
def ddpm_prior_kl__std_as_var(x0, betas):  # noqa: D103
    abar = alphas_cumprod(betas)[-1]
    return _kl(x0, abar, (1 - abar).sqrt())


@misconception("hw3", "ddpm_prior_kl", "KL averaged over coordinates instead of summed",
               "The KL between product distributions is the sum of the per-coordinate KLs.", P2_3)
def ddpm_prior_kl__mean_over_d(x0, betas):  # noqa: D103
    abar = alphas_cumprod(betas)[-1]
    return _kl(x0, abar, 1 - abar, reduce="mean")


@misconception("hw3", "ddpm_prior_kl", "alpha_T used instead of abar_T",
               "q(x_T | x_0) composes all T forward steps: its mean is sqrt(abar_T) x_0 with "
               "abar_T = prod_t (1 - beta_t), not sqrt(1 - beta_T) x_0.", P2_3)
def ddpm_prior_kl__alpha_not_abar(x0, betas):  # noqa: D103
    alpha = 1 - betas[-1]
    return _kl(x0, alpha, 1 - alpha)


@misconception("hw3", "ddpm_prior_kl", "Square root missing on abar_T in the mean",
               "q(x_T | x_0) has mean sqrt(abar_T) x_0, so |m|^2 = abar_T |x_0|^2 (not abar_T^2 |x_0|^2).",
               P2_3)
def ddpm_prior_kl__mean_no_sqrt(x0, betas):  # noqa: D103
    abar = alphas_cumprod(betas)[-1]
    return _kl(abar.sqrt() * x0, abar, 1 - abar)


@misconception("hw3", "ddpm_prior_kl", "log-determinant with the wrong sign (+ d log v)",
               "KL(N(m, v I) || N(0, I)) = (d v + |m|^2 - d - d log v) / 2: for v < 1 the log term is "
               "positive, the price of a narrower distribution.", P2_3)
def ddpm_prior_kl__log_sign(x0, betas):  # noqa: D103
    abar = alphas_cumprod(betas)[-1]
    v = 1 - abar
    return _kl(x0, abar, v) + x0.shape[1] * torch.log(v)


@misconception("hw3", "ddpm_prior_kl", "Factor 1/2 of the Gaussian KL left out",
               "KL(N(m, v I) || N(0, I)) = (d v + |m|^2 - d - d log v) / 2.", P2_3)
def ddpm_prior_kl__no_half(x0, betas):  # noqa: D103
    abar = alphas_cumprod(betas)[-1]
    return 2 * _kl(x0, abar, 1 - abar)


@misconception("hw3", "ddpm_prior_kl", "abar_{T-1} instead of abar_T",
               "L_T compares q(x_T | x_0) with the prior: it uses abar_T = prod_{t<=T} (1 - beta_t), "
               "the product over all T steps.", P2_3)
def ddpm_prior_kl__abar_prev(x0, betas):  # noqa: D103
    abar = alphas_cumprod_prev(betas)[-1]
    return _kl(x0, abar, 1 - abar)


# -- implicit_score_matching_loss ----------------------------------------------------------------
def _ism_parts(score_model, x):
    """s(x) [N, d], exact trace of ds/dx [N], and the sum of all Jacobian entries [N]."""
    with torch.enable_grad():
        x_in = x.detach().requires_grad_(True)
        s = score_model(x_in)
        trace = torch.zeros(x.shape[0], dtype=x.dtype)
        for i in range(x.shape[1]):
            (g,) = torch.autograd.grad(s[:, i].sum(), x_in, retain_graph=True)
            trace = trace + g[:, i]
        (g_all,) = torch.autograd.grad(s.sum(), x_in)
    return s.detach(), trace.detach(), g_all.sum(dim=1).detach()


@misconception("hw3", "implicit_score_matching_loss", "Factor 1/2 on |s|^2 left out",
               "The implicit score-matching objective is E[tr(ds/dx) + |s|^2 / 2]; without the 1/2 it "
               "is no longer E|s - grad log p|^2 / 2 up to a constant.", P3)
def implicit_score_matching_loss__no_half(score_model, x):  # noqa: D103
    s, tr, _ = _ism_parts(score_model, x)
    return (tr + (s**2).sum(dim=1)).mean()


@misconception("hw3", "implicit_score_matching_loss", "Sum of all Jacobian entries instead of the trace",
               "autograd.grad(s.sum(), x) gives sum_i ds_i/dx_j, the column sums of the Jacobian; "
               "summing them adds the off-diagonal entries. The trace needs ds_i/dx_i, one backward "
               "pass per coordinate i (or the diagonal of the full Jacobian).", P3)
def implicit_score_matching_loss__jacobian_sum(score_model, x):  # noqa: D103
    s, _, total = _ism_parts(score_model, x)
    return (total + 0.5 * (s**2).sum(dim=1)).mean()


@misconception("hw3", "implicit_score_matching_loss", "Trace enters with a minus sign",
               "Integration by parts turns -E[grad log p . s] into +E[tr(ds/dx)]: the trace is added.",
               P3)
def implicit_score_matching_loss__trace_sign(score_model, x):  # noqa: D103
    s, tr, _ = _ism_parts(score_model, x)
    return (-tr + 0.5 * (s**2).sum(dim=1)).mean()


@misconception("hw3", "implicit_score_matching_loss", "|s|^2 averaged over coordinates",
               "|s(x)|^2 is the sum of the d squared coordinates; (s ** 2).mean() over all entries "
               "divides it by d.", P3)
def implicit_score_matching_loss__mean_over_d(score_model, x):  # noqa: D103
    s, tr, _ = _ism_parts(score_model, x)
    return tr.mean() + 0.5 * (s**2).mean()


@misconception("hw3", "implicit_score_matching_loss", "Summed over the batch instead of averaged",
               "The loss is the sample mean over n, an estimate of an expectation.", P3)
def implicit_score_matching_loss__sum_over_batch(score_model, x):  # noqa: D103
    s, tr, _ = _ism_parts(score_model, x)
    return (tr + 0.5 * (s**2).sum(dim=1)).sum()


@misconception("hw3", "implicit_score_matching_loss", "1/2 applied to the trace as well",
               "Only the squared norm is halved: E[tr(ds/dx) + |s|^2 / 2], from E|s - grad log p|^2 / 2 "
               "after integrating the cross term by parts.", P3)
def implicit_score_matching_loss__half_on_trace(score_model, x):  # noqa: D103
    s, tr, _ = _ism_parts(score_model, x)
    return (0.5 * (tr + (s**2).sum(dim=1))).mean()


@misconception("hw3", "implicit_score_matching_loss", "Trace term left out",
               "The cross term -E[grad log p . s] of the Fisher divergence becomes +E[tr(ds/dx)] by "
               "integration by parts; without it the loss is minimised by s = 0.", P3)
def implicit_score_matching_loss__no_trace(score_model, x):  # noqa: D103
    s, _, _ = _ism_parts(score_model, x)
    return (0.5 * (s**2).sum(dim=1)).mean()


@misconception("hw3", "implicit_score_matching_loss", "Norm |s| instead of the squared norm |s|^2",
               "The objective has |s(x)|^2 / 2 = sum_i s_i(x)^2 / 2, the square of the norm.", P3)
def implicit_score_matching_loss__norm_not_squared(score_model, x):  # noqa: D103
    s, tr, _ = _ism_parts(score_model, x)
    return (tr + 0.5 * s.norm(dim=1)).mean()


# -- denoising_score_matching_loss ---------------------------------------------------------------
@misconception("hw3", "denoising_score_matching_loss", "Sign of the target score flipped",
               "grad log q_sigma(x~ | x) = -(x~ - x) / sigma^2 = -noise / sigma, so the residual is "
               "s(x + sigma noise) + noise / sigma.", P4)
def denoising_score_matching_loss__sign(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x + sigma * noise)
    return 0.5 * ((s - noise / sigma) ** 2).sum(dim=1).mean()


@misconception("hw3", "denoising_score_matching_loss", "Target noise / sigma^2 instead of noise / sigma",
               "x~ - x = sigma noise, so -(x~ - x) / sigma^2 = -noise / sigma: one power of sigma "
               "cancels.", P4)
def denoising_score_matching_loss__sigma_squared(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x + sigma * noise)
    return 0.5 * ((s + noise / sigma**2) ** 2).sum(dim=1).mean()


@misconception("hw3", "denoising_score_matching_loss", "Score model evaluated at the clean x",
               "Denoising score matching evaluates the model at the perturbed point x~ = x + sigma noise.",
               P4)
def denoising_score_matching_loss__clean_input(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x)
    return 0.5 * ((s + noise / sigma) ** 2).sum(dim=1).mean()


@misconception("hw3", "denoising_score_matching_loss", "Squared norm averaged over coordinates",
               "|s + noise / sigma|^2 sums over the d coordinates; a mean over all entries divides "
               "the loss by d.", P4)
def denoising_score_matching_loss__mean_over_d(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x + sigma * noise)
    return 0.5 * ((s + noise / sigma) ** 2).mean()


@misconception("hw3", "denoising_score_matching_loss", "Perturbed with variance sigma instead of std. dev. sigma",
               "x~ = x + sigma noise has standard deviation sigma; x + sqrt(sigma) noise treats sigma "
               "as the variance.", P4)
def denoising_score_matching_loss__sqrt_sigma(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x + sigma**0.5 * noise)
    return 0.5 * ((s + noise / sigma) ** 2).sum(dim=1).mean()


@misconception("hw3", "denoising_score_matching_loss", "Factor 1/2 left out",
               "The loss is (1/2) E|s(x + sigma noise) + noise / sigma|^2.", P4)
def denoising_score_matching_loss__no_half(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x + sigma * noise)
    return ((s + noise / sigma) ** 2).sum(dim=1).mean()


@misconception("hw3", "denoising_score_matching_loss", "Target sigma noise instead of noise / sigma",
               "grad log q_sigma(x~ | x) = -(x~ - x) / sigma^2 = -noise / sigma: the noise is divided by "
               "sigma.", P4)
def denoising_score_matching_loss__sigma_times_noise(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x + sigma * noise)
    return 0.5 * ((s + sigma * noise) ** 2).sum(dim=1).mean()


@misconception("hw3", "denoising_score_matching_loss", "Summed over the batch instead of averaged",
               "The loss is the sample mean over n, an estimate of an expectation.", P4)
def denoising_score_matching_loss__sum_over_batch(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x + sigma * noise)
    return 0.5 * ((s + noise / sigma) ** 2).sum()


@misconception("hw3", "denoising_score_matching_loss", "Target -noise (the 1/sigma left out)",
               "The score of q_sigma(x~ | x) is -noise / sigma; -noise is the DDPM noise target, which "
               "corresponds to sigma = 1 only.", P4)
def denoising_score_matching_loss__target_no_sigma(score_model, x, sigma, noise):  # noqa: D103
    s = score_model(x + sigma * noise)
    return 0.5 * ((s + noise) ** 2).sum(dim=1).mean()
