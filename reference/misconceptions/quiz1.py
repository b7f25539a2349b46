"""Misconceptions of quiz1 (diffusion as a progressive VAE).

Each function below has the contract's signature and reproduces one mistake;
the decorator records its title, a short explanation and the equation it
gets wrong. Conventions as in :mod:`reference.vae` and :mod:`reference.sde`
(float64 ``(N, d)`` batches; ``alpha``, ``t``, ``dt`` floats, ``ell``, ``k``
ints).
"""

from __future__ import annotations

import math

import torch

from reference import gaussian, vae
from reference.misconceptions import misconception

P1A = "quiz1 problem 1(a): z_l = alpha^l z_0 + sqrt(1 - alpha^(2l)) eps"
P1B = "quiz1 problem 1(b): z_{l+k} | z_l = alpha^k z_l + sqrt(1 - alpha^(2k)) eps"
P1D = "quiz1 problem 1(d): w(t) = exp(-t) w(0) + sqrt(1 - exp(-2t)) eps"
P1E = "quiz1 problem 1(e): w(t+dt) ~ w - w dt + sqrt(2 dt) eps"
P2A = "quiz1 problem 2(a): argmin_c E|y - c|^2 = E y, the mean image"
P3 = "quiz1 problem 3: KL(q(eps | z_{l-1}, z_l, l) || N(0, I)) - ln p(z_{l-1} | eps, z_l, l)"


def _noised(z, mean_factor, noise_var, noise):
    return mean_factor * z + math.sqrt(noise_var) * noise


# -- sample_z ----------------------------------------------------------------------------------
@misconception(
    "quiz1", "sample_z",
    "Noise scale sqrt(1 - alpha^l) instead of sqrt(1 - alpha^(2l))",
    "The mean is scaled by alpha^l, so the noise variance is 1 - (alpha^l)^2 = 1 - "
    "alpha^(2l); the variance of z_l stays 1.",
    P1A)
def sample_z__sqrt_1_minus_alpha_l(z0, alpha, ell, noise):  # noqa: D103
    return _noised(z0, alpha**ell, 1 - alpha**ell, noise)


@misconception(
    "quiz1", "sample_z",
    "One step only: alpha z_0 + sqrt(1 - alpha^2) eps",
    "Unrolling l steps multiplies z_0 by alpha^l and accumulates noise of variance 1 - "
    "alpha^(2l).",
    P1A)
def sample_z__one_step(z0, alpha, ell, noise):  # noqa: D103
    return _noised(z0, alpha, 1 - alpha**2, noise)


@misconception(
    "quiz1", "sample_z", "One level too few: alpha^(l-1)",
    "z_l is l steps from z_0: alpha^l z_0 + sqrt(1 - alpha^(2l)) eps; z_0 is the clean image, not z_1.",
    P1A)
def sample_z__one_level_too_few(z0, alpha, ell, noise):  # noqa: D103
    return _noised(z0, alpha ** (ell - 1), 1 - alpha ** (2 * (ell - 1)), noise)


@misconception(
    "quiz1", "sample_z",
    "Variance 1 - alpha^(2l) used as the noise scale",
    "A N(0, v) draw is sqrt(v) times a standard normal: the noise term is sqrt(1 - "
    "alpha^(2l)) eps.",
    P1A)
def sample_z__no_sqrt(z0, alpha, ell, noise):  # noqa: D103
    return alpha**ell * z0 + (1 - alpha ** (2 * ell)) * noise


@misconception(
    "quiz1", "sample_z",
    "Accumulated noise of l independent steps: sqrt(l (1 - alpha^2))",
    "The noise added at step i is shrunk by alpha^(l-i) afterwards, so the variances add to "
    "(1 - alpha^2) sum_i alpha^(2i) = 1 - alpha^(2l), not l (1 - alpha^2).",
    P1A)
def sample_z__noise_not_shrunk(z0, alpha, ell, noise):  # noqa: D103
    return _noised(z0, alpha**ell, ell * (1 - alpha**2), noise)


@misconception(
    "quiz1", "sample_z",
    "Mean alpha^(2l) z_0 instead of alpha^l z_0",
    "Each step multiplies the signal by alpha, so after l steps it is alpha^l z_0; alpha^(2l) is "
    "the squared factor that appears in the noise variance 1 - alpha^(2l).",
    P1A)
def sample_z__mean_alpha_2l(z0, alpha, ell, noise):  # noqa: D103
    return _noised(z0, alpha ** (2 * ell), 1 - alpha ** (2 * ell), noise)


@misconception(
    "quiz1", "sample_z",
    "Noise scale sqrt(1 - alpha^2)^l: per-step scales multiplied",
    "Independent Gaussian noises add their variances: the total noise variance is (1 - alpha^2) "
    "sum_i alpha^(2i) = 1 - alpha^(2l), not a product of the per-step scales.",
    P1A)
def sample_z__noise_power(z0, alpha, ell, noise):  # noqa: D103
    return _noised(z0, alpha**ell, (1 - alpha**2) ** ell, noise)


@misconception(
    "quiz1", "sample_z",
    "One level too many: alpha^(l+1)",
    "z_l is reached from z_0 in l steps of the chain: alpha^l z_0 + sqrt(1 - alpha^(2l)) eps.",
    P1A)
def sample_z__off_by_one(z0, alpha, ell, noise):  # noqa: D103
    return vae.sample_z(z0, alpha, ell + 1, noise)


@misconception(
    "quiz1", "sample_z",
    "Noise of one step, sqrt(1 - alpha^2), with the l-step mean",
    "The noise accumulated over l steps has variance 1 - alpha^(2l); 1 - alpha^2 is the "
    "variance added by the last step only.",
    P1A)
def sample_z__noise_one_step(z0, alpha, ell, noise):  # noqa: D103
    return _noised(z0, alpha**ell, 1 - alpha**2, noise)


# -- sample_z_forward --------------------------------------------------------------------------
@misconception(
    "quiz1", "sample_z_forward",
    "Noise scale sqrt(1 - alpha^k) instead of sqrt(1 - alpha^(2k))",
    "z_{l+k} | z_l is problem 1(a) with z_l in place of z_0: noise variance 1 - alpha^(2k).",
    P1B)
def sample_z_forward__sqrt_1_minus_alpha_k(z_ell, alpha, k, noise):  # noqa: D103
    return _noised(z_ell, alpha**k, 1 - alpha**k, noise)


@misconception(
    "quiz1", "sample_z_forward",
    "One step only: alpha z_l + sqrt(1 - alpha^2) eps",
    "k further levels multiply z_l by alpha^k and add noise of variance 1 - alpha^(2k).",
    P1B)
def sample_z_forward__one_step(z_ell, alpha, k, noise):  # noqa: D103
    return _noised(z_ell, alpha, 1 - alpha**2, noise)


@misconception(
    "quiz1", "sample_z_forward", "Mean alpha z_l instead of alpha^k z_l",
    "k steps shrink the mean k times: E[z_{l+k} | z_l] = alpha^k z_l (the noise scale "
    "sqrt(1 - alpha^(2k)) goes with it).", P1B)
def sample_z_forward__mean_one_step(z_ell, alpha, k, noise):  # noqa: D103
    return _noised(z_ell, alpha, 1 - alpha ** (2 * k), noise)


@misconception(
    "quiz1", "sample_z_forward",
    "Variance 1 - alpha^(2k) used as the noise scale",
    "The noise term is sqrt(1 - alpha^(2k)) eps.",
    P1B)
def sample_z_forward__no_sqrt(z_ell, alpha, k, noise):  # noqa: D103
    return alpha**k * z_ell + (1 - alpha ** (2 * k)) * noise


@misconception(
    "quiz1", "sample_z_forward",
    "One level too many: alpha^(k+1)",
    "Going from level l to level l + k takes k steps of the chain.",
    P1B)
def sample_z_forward__off_by_one(z_ell, alpha, k, noise):  # noqa: D103
    return vae.sample_z_forward(z_ell, alpha, k + 1, noise)


@misconception(
    "quiz1", "sample_z_forward",
    "Noise of one step, sqrt(1 - alpha^2), with the k-step mean",
    "k further steps accumulate noise of variance 1 - alpha^(2k), not only the last step's "
    "1 - alpha^2.",
    P1B)
def sample_z_forward__noise_one_step(z_ell, alpha, k, noise):  # noqa: D103
    return _noised(z_ell, alpha**k, 1 - alpha**2, noise)


@misconception(
    "quiz1", "sample_z_forward",
    "Accumulated noise of k independent steps: sqrt(k (1 - alpha^2))",
    "The noise of step i is shrunk by alpha^(k-i) by the later steps: the variances add to "
    "1 - alpha^(2k), not k (1 - alpha^2).",
    P1B)
def sample_z_forward__noise_not_shrunk(z_ell, alpha, k, noise):  # noqa: D103
    return _noised(z_ell, alpha**k, k * (1 - alpha**2), noise)


@misconception(
    "quiz1", "sample_z_forward",
    "Mean alpha^(2k) z_l instead of alpha^k z_l",
    "k steps multiply z_l by alpha^k; alpha^(2k) belongs to the noise variance 1 - alpha^(2k).",
    P1B)
def sample_z_forward__mean_alpha_2k(z_ell, alpha, k, noise):  # noqa: D103
    return _noised(z_ell, alpha ** (2 * k), 1 - alpha ** (2 * k), noise)


@misconception(
    "quiz1", "sample_z_forward",
    "Noise scale sqrt(1 - alpha^2)^k: per-step scales multiplied",
    "Variances of independent noises add (each shrunk by the later steps): the total is "
    "1 - alpha^(2k).",
    P1B)
def sample_z_forward__noise_power(z_ell, alpha, k, noise):  # noqa: D103
    return _noised(z_ell, alpha**k, (1 - alpha**2) ** k, noise)


# -- ou_sample ---------------------------------------------------------------------------------
@misconception(
    "quiz1", "ou_sample",
    "Mean exp(-2t) w(0) instead of exp(-t) w(0)",
    "With alpha = exp(-1/N) and l = N t, alpha^l = exp(-t); exp(-2t) = alpha^(2l) belongs to "
    "the noise variance 1 - exp(-2t).",
    P1D)
def ou_sample__mean_exp_minus_2t(w0, t, noise):  # noqa: D103
    return math.exp(-2 * t) * w0 + math.sqrt(1 - math.exp(-2 * t)) * noise


@misconception(
    "quiz1", "ou_sample",
    "hw2's OU process: exp(-t/2) and sqrt(1 - exp(-t))",
    "This process is dw = -w dt + sqrt(2) dB (alpha^l = exp(-t)), twice as fast as hw2's dX ="
    " -X/2 dt + dW.",
    P1D)
def ou_sample__hw2_ou(w0, t, noise):  # noqa: D103
    return math.exp(-t / 2) * w0 + math.sqrt(1 - math.exp(-t)) * noise


@misconception(
    "quiz1", "ou_sample", "Mean exp(-t/2) w(0) instead of exp(-t) w(0)",
    "For dw = -w dt + sqrt(2) dB the mean decays as exp(-t) (hw2's process dX = -X/2 dt + dW decays as "
    "exp(-t/2)); the noise scale sqrt(1 - exp(-2t)) goes with exp(-t).", P1D)
def ou_sample__mean_half_rate(w0, t, noise):  # noqa: D103
    return math.exp(-t / 2) * w0 + math.sqrt(1 - math.exp(-2 * t)) * noise


@misconception(
    "quiz1", "ou_sample",
    "Noise scale 1 - exp(-2t) without the square root",
    "The noise variance is 1 - exp(-2t); its standard deviation sqrt(1 - exp(-2t)) multiplies"
    " eps.",
    P1D)
def ou_sample__no_sqrt(w0, t, noise):  # noqa: D103
    return math.exp(-t) * w0 + (1 - math.exp(-2 * t)) * noise


@misconception(
    "quiz1", "ou_sample",
    "Noise scale sqrt(1 - exp(-t))",
    "The noise variance is 1 - alpha^(2l) = 1 - exp(-2t).",
    P1D)
def ou_sample__sqrt_1_minus_exp_t(w0, t, noise):  # noqa: D103
    return math.exp(-t) * w0 + math.sqrt(1 - math.exp(-t)) * noise


@misconception(
    "quiz1", "ou_sample",
    "First-order approximation (1 - t) w(0) + sqrt(2t) eps used for finite t",
    "exp(-t) ~ 1 - t holds only for small t (part (e)); w(t) | w(0) is exactly "
    "exp(-t) w(0) + sqrt(1 - exp(-2t)) eps for every t.",
    P1D)
def ou_sample__euler_approximation(w0, t, noise):  # noqa: D103
    return (1 - t) * w0 + math.sqrt(2 * t) * noise


@misconception(
    "quiz1", "ou_sample",
    "Mean exp(t) w(0): sign of the exponent",
    "alpha = exp(-1/N) < 1, so alpha^(N t) = exp(-t): the signal decays.",
    P1D)
def ou_sample__exp_sign(w0, t, noise):  # noqa: D103
    return math.exp(t) * w0 + math.sqrt(1 - math.exp(-2 * t)) * noise


# -- ou_euler_step -----------------------------------------------------------------------------
@misconception(
    "quiz1", "ou_euler_step",
    "Noise sqrt(dt) instead of sqrt(2 dt)",
    "1 - exp(-2 dt) ~ 2 dt, so the increment is sqrt(2 dt) eps: the SDE is dw = -w dt + "
    "sqrt(2) dB (delta ~ N(0, 2I)), not dw = -w dt + dB.",
    P1E)
def ou_euler_step__sqrt_dt(w, dt, noise):  # noqa: D103
    return w - w * dt + math.sqrt(dt) * noise


@misconception(
    "quiz1", "ou_euler_step",
    "Drift sign flipped: w + w dt",
    "exp(-dt) ~ 1 - dt: the drift -w pulls w back towards 0.",
    P1E)
def ou_euler_step__drift_sign(w, dt, noise):  # noqa: D103
    return w + w * dt + math.sqrt(2 * dt) * noise


@misconception(
    "quiz1", "ou_euler_step",
    "Noise sqrt(2) dt instead of sqrt(2 dt)",
    "Brownian increments over dt have standard deviation sqrt(dt), so the noise is sqrt(2 dt)"
    " eps, not sqrt(2) dt eps.",
    P1E)
def ou_euler_step__dt_not_sqrt(w, dt, noise):  # noqa: D103
    return w - w * dt + math.sqrt(2) * dt * noise


@misconception(
    "quiz1", "ou_euler_step",
    "Exact transition instead of the Euler step",
    "exp(-dt) w + sqrt(1 - exp(-2 dt)) eps is the exact law of part (d); part (e) asks for "
    "its first-order (Euler-Maruyama) form w - w dt + sqrt(2 dt) eps.",
    P1E)
def ou_euler_step__exact(w, dt, noise):  # noqa: D103
    return math.exp(-dt) * w + math.sqrt(-math.expm1(-2 * dt)) * noise


@misconception(
    "quiz1", "ou_euler_step",
    "Drift -w dt left out",
    "exp(-dt) w ~ (1 - dt) w: the step keeps the mean reversion, w - w dt + sqrt(2 dt) eps.",
    P1E)
def ou_euler_step__no_drift(w, dt, noise):  # noqa: D103
    return w + math.sqrt(2 * dt) * noise


@misconception(
    "quiz1", "ou_euler_step",
    "Noise 2 dt eps: the variance used as the scale",
    "1 - exp(-2 dt) ~ 2 dt is the variance of the increment; the noise is its square root, "
    "sqrt(2 dt) eps.",
    P1E)
def ou_euler_step__variance_not_std(w, dt, noise):  # noqa: D103
    return w - w * dt + 2 * dt * noise


@misconception(
    "quiz1", "ou_euler_step",
    "hw2's OU step: w - w dt/2 + sqrt(dt) eps",
    "This chain with alpha = exp(-1/N) is dw = -w dt + sqrt(2) dB (delta ~ N(0, 2I)), twice as "
    "fast as dX = -X/2 dt + dW.",
    P1E)
def ou_euler_step__hw2_ou(w, dt, noise):  # noqa: D103
    return w - w * dt / 2 + math.sqrt(dt) * noise


# -- optimal_denoiser_at_L ---------------------------------------------------------------------
@misconception(
    "quiz1", "optimal_denoiser_at_L",
    "Median image instead of the mean",
    "The squared error E|y - c|^2 = E|y - Ey|^2 + |Ey - c|^2 is minimised by the mean; the "
    "median minimises the absolute error.",
    P2A)
def optimal_denoiser_at_L__median(y):  # noqa: D103
    return y.median(dim=0).values


@misconception(
    "quiz1", "optimal_denoiser_at_L",
    "Sum of the images instead of their mean",
    "The minimiser is (1/M) sum_m y_m, not the sum.",
    P2A)
def optimal_denoiser_at_L__sum(y):  # noqa: D103
    return y.sum(dim=0)


@misconception(
    "quiz1", "optimal_denoiser_at_L",
    "Mean over pixels (dim 1) instead of over images",
    "y is (M, d), one image per row; the mean image averages over the M rows and has d "
    "pixels.",
    P2A)
def optimal_denoiser_at_L__wrong_axis(y):  # noqa: D103
    return y.mean(dim=1)


@misconception(
    "quiz1", "optimal_denoiser_at_L",
    "One number: the mean over all pixels of all images",
    "c is an image: each pixel gets its own mean over the data set.",
    P2A)
def optimal_denoiser_at_L__grand_mean(y):  # noqa: D103
    return y.mean() * torch.ones(y.shape[1], dtype=y.dtype)


@misconception(
    "quiz1", "optimal_denoiser_at_L",
    "Zero (the mean of z_L) instead of the mean image",
    "z_L carries no information about y, so the best prediction of y is E y, the mean of the "
    "images; E z_L = 0 is the mean of the noise, not of y.",
    P2A)
def optimal_denoiser_at_L__zero(y):  # noqa: D103
    return torch.zeros(y.shape[1], dtype=y.dtype)


@misconception(
    "quiz1", "optimal_denoiser_at_L",
    "Sum divided by M - 1",
    "The minimiser of (1/M) sum_m |y_m - c|^2 is the plain mean (1/M) sum_m y_m; M - 1 belongs to "
    "the unbiased variance estimate, not to the mean.",
    P2A)
def optimal_denoiser_at_L__m_minus_one(y):  # noqa: D103
    return y.sum(dim=0) / (y.shape[0] - 1)


# -- cvae_loss ---------------------------------------------------------------------------------
@misconception(
    "quiz1", "cvae_loss",
    "KL term with the wrong sign",
    "KL(N(mu, diag s^2) || N(0, I)) = 1/2 sum(s^2 + mu^2 - 1 - log s^2) >= 0; the expression "
    "1/2 sum(1 + log s^2 - mu^2 - s^2) is -KL (the ELBO's sign).",
    P3)
def cvae_loss__kl_sign(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    kl = gaussian.kl_diag_normal_standard(enc_mean, enc_logvar)
    return -kl - gaussian.log_normal_diag(z_prev, dec_mean, dec_logvar)


@misconception(
    "quiz1", "cvae_loss",
    "Constant log(2 pi) dropped from -log N",
    "-log N(z; m, diag s^2) = 1/2 sum(log(2 pi) + log s^2 + (z - m)^2/s^2); without log(2 pi)"
    " the loss is off by d/2 log(2 pi) per row.",
    P3)
def cvae_loss__no_log_2pi(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    d = z_prev.shape[-1]
    loss = vae.cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar)
    return loss - 0.5 * d * math.log(2 * math.pi)


@misconception(
    "quiz1", "cvae_loss",
    "Log-variances used as variances",
    "The networks output log sigma^2: the variance is exp(logvar).",
    P3)
def cvae_loss__logvar_as_var(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    kl = 0.5 * (enc_logvar + enc_mean**2 - 1 - torch.log(enc_logvar.abs())).sum(-1)
    nll = 0.5 * (math.log(2 * math.pi) + torch.log(dec_logvar.abs())
                 + (z_prev - dec_mean) ** 2 / dec_logvar).sum(-1)
    return kl + nll


@misconception(
    "quiz1", "cvae_loss",
    "Reconstruction term with the wrong sign (+log N)",
    "The loss is KL minus the log-likelihood of z_{l-1}: a better reconstruction must lower "
    "it.",
    P3)
def cvae_loss__recon_sign(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return (gaussian.kl_diag_normal_standard(enc_mean, enc_logvar)
            + gaussian.log_normal_diag(z_prev, dec_mean, dec_logvar))


@misconception(
    "quiz1", "cvae_loss",
    "Batch mean returned instead of one loss per row",
    "The contract returns the loss of every sample, shape (N,).",
    P3)
def cvae_loss__batch_mean(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return vae.cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar).mean()


def _cvae(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar, *, kl_half=0.5, minus_one=1.0, nll_half=0.5,
          var_power=-1.0, reduce="sum", variance=True):
    kl = kl_half * (torch.exp(enc_logvar) + enc_mean**2 - minus_one - enc_logvar)
    sq = (z_prev - dec_mean) ** 2
    if variance:
        nll = nll_half * (math.log(2 * math.pi) + dec_logvar + sq * torch.exp(var_power * dec_logvar))
    else:
        nll = 0.5 * sq
    if reduce == "mean":
        return kl.mean(-1) + nll.mean(-1)
    return kl.sum(-1) + nll.sum(-1)


@misconception(
    "quiz1", "cvae_loss",
    "Log-variances used as log standard deviations (exp(2 logvar))",
    "The networks output log sigma^2: the variance is exp(logvar), not exp(2 logvar) (that "
    "would be the variance for a log standard deviation).",
    P3)
def cvae_loss__logvar_as_logstd(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return vae.cvae_loss(z_prev, enc_mean, 2 * enc_logvar, dec_mean, 2 * dec_logvar)


@misconception(
    "quiz1", "cvae_loss",
    "Factor 1/2 of the Gaussian KL left out",
    "KL(N(mu, diag s^2) || N(0, I)) = 1/2 sum(s^2 + mu^2 - 1 - log s^2).",
    P3)
def cvae_loss__kl_no_half(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return _cvae(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar, kl_half=1.0)


@misconception(
    "quiz1", "cvae_loss",
    "-1 left out of the KL",
    "KL(N(mu, diag s^2) || N(0, I)) = 1/2 sum(s^2 + mu^2 - 1 - log s^2): the -1 per latent "
    "coordinate makes the KL vanish when q = N(0, I).",
    P3)
def cvae_loss__kl_no_minus_one(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return _cvae(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar, minus_one=0.0)


@misconception(
    "quiz1", "cvae_loss",
    "Factor 1/2 of -log N left out",
    "-log N(z; m, diag s^2) = 1/2 sum(log(2 pi) + log s^2 + (z - m)^2/s^2).",
    P3)
def cvae_loss__nll_no_half(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return _cvae(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar, nll_half=1.0)


@misconception(
    "quiz1", "cvae_loss",
    "Squared error multiplied by the variance instead of divided",
    "The Mahalanobis term is (z - m)^2 / s^2 = (z - m)^2 exp(-logvar).",
    P3)
def cvae_loss__nll_times_var(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return _cvae(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar, var_power=1.0)


@misconception(
    "quiz1", "cvae_loss",
    "Averaged over coordinates instead of summed",
    "The KL and the log-density of diagonal Gaussians are sums over their coordinates.",
    P3)
def cvae_loss__mean_over_d(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return _cvae(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar, reduce="mean")


@misconception(
    "quiz1", "cvae_loss",
    "Reconstruction term as the squared error |z - m|^2/2 (decoder variance ignored)",
    "The decoder is Gaussian with its own variance: -log N(z; m, diag s^2) = 1/2 sum(log(2 pi) + "
    "log s^2 + (z - m)^2/s^2); the plain squared error assumes s = 1 and drops the constants.",
    P3)
def cvae_loss__mse_recon(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):  # noqa: D103
    return _cvae(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar, variance=False)
