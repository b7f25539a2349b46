"""Divides by sqrt(abar_t) instead of sqrt(alpha_t) in the outer factor.

mistake: posterior_mean_from_eps: abar_for_alpha
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def posterior_mean_from_eps(x_t, eps, t, betas):
    abar = torch.cumprod(1.0 - betas, dim=0)[t - 1][:, None]
    beta = betas[t - 1][:, None]
    return (x_t - beta / torch.sqrt(1 - abar) * eps) / torch.sqrt(abar)
