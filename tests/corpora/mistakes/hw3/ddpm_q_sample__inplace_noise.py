"""Scales the caller's noise tensor in place (noise.mul_) before adding it.

mistake: ddpm_q_sample: inplace_noise
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_q_sample(x0, t, betas, noise):
    abar_t = torch.cumprod(1 - betas, dim=0)[t - 1].reshape(-1, 1)
    noise.mul_(torch.sqrt(1 - abar_t))
    return torch.sqrt(abar_t) * x0 + noise
