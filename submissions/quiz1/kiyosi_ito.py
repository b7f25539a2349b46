# Kiyosi Ito, Quiz 1
import math

import torch


def sample_z(z0, alpha, ell, noise):
    return alpha ** ell * z0 + math.sqrt(1.0 - alpha ** (2 * ell)) * noise


def sample_z_forward(z_ell, alpha, k, noise):
    return alpha ** k * z_ell + math.sqrt(1.0 - alpha ** (2 * k)) * noise


def ou_sample(w0, t, noise):
    return math.exp(-t) * w0 + math.sqrt(1.0 - math.exp(-2.0 * t)) * noise


def ou_euler_step(w, dt, noise):
    return w - dt * w + math.sqrt(2.0 * dt) * noise


def optimal_denoiser_at_L(y):
    return y.mean(dim=0)


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    # KL term (Kingma & Welling, appendix B)
    kl = 0.5 * torch.sum(1 + enc_logvar - enc_mean.pow(2) - enc_logvar.exp(), dim=1)
    # -log N(z_prev; dec_mean, diag exp(dec_logvar))
    nll = 0.5 * torch.sum(math.log(2 * math.pi) + dec_logvar
                          + (z_prev - dec_mean).pow(2) * torch.exp(-dec_logvar), dim=1)
    return kl + nll
