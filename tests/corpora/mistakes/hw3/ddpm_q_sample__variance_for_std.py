"""Multiplies the noise by the variance 1 - abar_t instead of the standard deviation sqrt(1 - abar_t).

mistake: ddpm_q_sample: variance_for_std
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_q_sample(x0, t, betas, noise):
    abar = torch.cumprod(1 - betas, dim=0)
    a = abar[t - 1][:, None]
    return a.sqrt() * x0 + (1 - a) * noise
