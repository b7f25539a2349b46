"""Averages the per-coordinate KL over the d dimensions instead of summing it.

mistake: ddpm_prior_kl: mean_over_dims
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_prior_kl(x0, betas):
    abar_T = torch.prod(1.0 - betas)
    mean = torch.sqrt(abar_T) * x0            # [N, d]
    var = 1.0 - abar_T
    kl_per_dim = 0.5 * (var + mean ** 2 - 1.0 - torch.log(var))
    return kl_per_dim.mean(dim=1)
