"""Correct quiz1 in the style of torch diffusion / VAE training code (VDM- and pytorch-VAE-like).

Conventions used:
- closed-form forward sampling with alpha ** ell written through log-space
  (exp(ell * log alpha)) and -expm1 for 1 - alpha^(2 ell), float32 coefficients cast back
  to the input dtype (schedule kept in float32);
- OU sampling with torch.exp / -torch.expm1 (float64);
- the mean image as x.mean(dim=0) accumulated in float32 then cast back;
- VAE loss as in pytorch VAE code: KLD = -0.5 * sum(1 + logvar - mu^2 - logvar.exp()),
  Gaussian NLL = 0.5 * sum(log(2 pi) + logvar + (x - mu)^2 / exp(logvar)), per row.
mistake: none
"""

import math

import torch


def _coefs(alpha, n):
    log_a = torch.log(torch.as_tensor(alpha, dtype=torch.float32))
    n = torch.as_tensor(n, dtype=torch.float32)
    mean_coef = torch.exp(n * log_a)
    std_coef = torch.sqrt(-torch.expm1(2 * n * log_a))
    return mean_coef, std_coef


def sample_z(z0, alpha, ell, noise):
    m, s = _coefs(alpha, ell)
    return m.to(z0.dtype) * z0 + s.to(z0.dtype) * noise


def sample_z_forward(z_ell, alpha, k, noise):
    m, s = _coefs(alpha, k)
    return m.to(z_ell.dtype) * z_ell + s.to(z_ell.dtype) * noise


def ou_sample(w0, t, noise):
    t = torch.as_tensor(t, dtype=w0.dtype)
    return torch.exp(-t) * w0 + torch.sqrt(-torch.expm1(-2 * t)) * noise


def ou_euler_step(w, dt, noise):
    return w - w * dt + math.sqrt(2 * dt) * noise


def optimal_denoiser_at_L(y):
    return y.float().mean(dim=0).to(y.dtype)


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    kld = -0.5 * torch.sum(1 + enc_logvar - enc_mean.pow(2) - enc_logvar.exp(), dim=-1)
    nll = 0.5 * torch.sum(math.log(2 * math.pi) + dec_logvar
                          + (z_prev - dec_mean).pow(2) / dec_logvar.exp(), dim=-1)
    return kld + nll
