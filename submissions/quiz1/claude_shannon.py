"""Claude Shannon -- quiz 1: diffusion as a progressive VAE."""
import math

import torch


def sample_z(z0, alpha, ell, noise):
    return alpha ** ell * z0 + math.sqrt(1 - alpha ** (2 * ell)) * noise


def sample_z_forward(z_ell, alpha, k, noise):
    return alpha ** k * z_ell + math.sqrt(1 - alpha ** (2 * k)) * noise


def ou_sample(w0, t, noise):
    return math.exp(-t) * w0 + math.sqrt(1 - math.exp(-2 * t)) * noise


def ou_euler_step(w, dt, noise):
    return w - w * dt + math.sqrt(2 * dt) * noise


def optimal_denoiser_at_L(y):
    return y.mean(0)


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    # KL(N(mu, diag s^2) || N(0, I)) in closed form
    kl = 0.5 * torch.sum(enc_mean ** 2 + torch.exp(enc_logvar) - 1 - enc_logvar, dim=-1)
    # reconstruction term: Gaussian negative log-likelihood (constants dropped)
    recon = 0.5 * torch.sum(dec_logvar + (z_prev - dec_mean) ** 2 * torch.exp(-dec_logvar), dim=-1)
    return kl + recon
