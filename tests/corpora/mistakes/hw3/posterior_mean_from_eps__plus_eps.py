"""Adds the scaled noise prediction instead of subtracting it.

mistake: posterior_mean_from_eps: plus_eps
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def posterior_mean_from_eps(x_t, eps, t, betas):
    abar = torch.cumprod(1.0 - betas, dim=0)
    b = betas[t - 1].unsqueeze(-1)
    ab = abar[t - 1].unsqueeze(-1)
    return (x_t + b / (1 - ab).sqrt() * eps) / (1 - b).sqrt()
