# Quiz 1 -- Mary Jackson
import math
import torch


def sample_z(z0, alpha, ell, noise):
    # (a) z_ell directly from z_0
    return alpha ** ell * z0 + math.sqrt(1 - alpha ** ell) * noise


def sample_z_forward(z_ell, alpha, k, noise):
    # (b) k more steps from z_ell
    return alpha ** k * z_ell + math.sqrt(1 - alpha ** (2 * k)) * noise


def ou_sample(w0, t, noise):
    return math.exp(-t) * w0 + math.sqrt(1 - math.exp(-2 * t)) * noise


def ou_euler_step(w, dt, noise):
    return w - w * dt + math.sqrt(2 * dt) * noise


def optimal_denoiser_at_L(y):
    return torch.mean(y, dim=0)


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    kl = -0.5 * torch.sum(1 + enc_logvar - enc_mean ** 2 - torch.exp(enc_logvar), dim=1)
    log_lik = -0.5 * torch.sum(
        math.log(2 * math.pi) + dec_logvar + (z_prev - dec_mean) ** 2 / torch.exp(dec_logvar), dim=1)
    return kl - log_lik
