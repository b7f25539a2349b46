"""Quiz 1 (John von Neumann)."""
import math

import torch


def sample_z(z0, alpha, ell, noise):
    return (alpha ** ell) * z0 + math.sqrt(1.0 - alpha ** (2 * ell)) * noise


def sample_z_forward(z_ell, alpha, k, noise):
    return sample_z(z_ell, alpha, k, noise)   # same formula, k steps instead of ell


def ou_sample(w0, t, noise):
    # alpha = e^{-1/N}, ell = N t
    decay = math.exp(-2.0 * t)
    return decay * w0 + math.sqrt(1.0 - math.exp(-2.0 * t)) * noise


def ou_euler_step(w, dt, noise):
    return (1.0 - dt) * w + math.sqrt(2.0 * dt) * noise


def optimal_denoiser_at_L(y):
    return y.sum(dim=0) / y.shape[0]


def gaussian_nll(x, mean, logvar):
    return 0.5 * (logvar + (x - mean) ** 2 / logvar.exp() + math.log(2 * math.pi)).sum(-1)


def kl_to_standard_normal(mean, logvar):
    return 0.5 * (mean ** 2 + logvar.exp() - logvar - 1).sum(-1)


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    return kl_to_standard_normal(enc_mean, enc_logvar) + gaussian_nll(z_prev, dec_mean, dec_logvar)
