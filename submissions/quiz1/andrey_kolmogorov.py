# Andrey Kolmogorov - quiz 1
import math

import torch
from torch.distributions import Normal, kl_divergence


def sample_z(z0, alpha, ell, noise):
    scale = alpha ** ell
    return scale * z0 + (1 - alpha ** (2 * ell)) ** 0.5 * noise


def sample_z_forward(z_ell, alpha, k, noise):
    scale = alpha ** k
    return scale * z_ell + (1 - alpha ** (2 * k)) ** 0.5 * noise


def ou_sample(w0, t, noise):
    return math.exp(-t) * w0 + (1 - math.exp(-2 * t)) ** 0.5 * noise


def ou_euler_step(w, dt, noise):
    return w + (-w) * dt + (2 * dt) ** 0.5 * noise


def optimal_denoiser_at_L(y):
    # z_L carries no information about y, so the best constant guess is the
    # "typical" image; the median is robust to outliers
    return y.median(dim=0).values


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    q = Normal(enc_mean, torch.exp(0.5 * enc_logvar))
    prior = Normal(torch.zeros_like(enc_mean), torch.ones_like(enc_mean))
    kl = kl_divergence(q, prior).sum(-1)
    decoder = Normal(dec_mean, torch.exp(0.5 * dec_logvar))
    return kl - decoder.log_prob(z_prev).sum(-1)
