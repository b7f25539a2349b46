"""Quiz 1 -- diffusion as a progressive VAE.

Katherine Johnson
"""
import math

import torch


# Problem 1 ---------------------------------------------------------------
# z_l = alpha z_{l-1} + sqrt(1 - alpha^2) eps, alpha constant.
# Unrolling: z_l = alpha^l z_0 + sum_i alpha^(l-i) sqrt(1-alpha^2) eps_i, and the
# noise variance telescopes: (1 - alpha^2) sum_{i<l} alpha^(2i) = 1 - alpha^(2l).

def sample_z(z0, alpha, ell, noise):
    a = alpha ** ell
    return a * z0 + math.sqrt(1.0 - a * a) * noise


def sample_z_forward(z_ell, alpha, k, noise):
    a = alpha ** k
    return a * z_ell + math.sqrt(1.0 - a * a) * noise


# (d) with alpha = exp(-1/N) and ell = N t: an Ornstein-Uhlenbeck process.
def ou_sample(w0, t, noise):
    return math.exp(-t) * w0 + math.sqrt(-math.expm1(-2.0 * t)) * noise


# (e) exp(-dt) ~ 1 - dt and 1 - exp(-2 dt) ~ 2 dt.
def ou_euler_step(w, dt, noise):
    return w - w * dt + math.sqrt(2.0 * dt) * noise


# Problem 2 ---------------------------------------------------------------
# z_L is independent of y, so argmin_c E|y - c|^2 is the mean image.
def optimal_denoiser_at_L(y):
    return y.mean(dim=0)


# Problem 3 ---------------------------------------------------------------
# Conditional VAE objective for one sample:
#   KL(q(eps | z_{l-1}, z_l, l) || N(0, I)) - log p(z_{l-1} | eps, z_l, l)
def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    kl = 0.5 * (enc_logvar.exp() + enc_mean.pow(2) - 1.0 - enc_logvar).sum(dim=-1)
    nll = 0.5 * (math.log(2.0 * math.pi) + dec_logvar
                 + (z_prev - dec_mean).pow(2) * torch.exp(-dec_logvar)).sum(dim=-1)
    return kl + nll
