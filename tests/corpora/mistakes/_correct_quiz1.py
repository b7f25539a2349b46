"""Correct solutions of every quiz1 function, written from the course contract (control).

mistake: none
source: 004_45e6374c80f3c10e.txt, problems 1-3
"""
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
    return y.mean(dim=0)


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    kl = 0.5 * (torch.exp(enc_logvar) + enc_mean ** 2 - 1 - enc_logvar).sum(dim=-1)
    nll = 0.5 * (dec_logvar + (z_prev - dec_mean) ** 2 / torch.exp(dec_logvar)
                 + math.log(2 * math.pi)).sum(dim=-1)
    return kl + nll
