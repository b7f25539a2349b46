"""Forgets the square root on abar_{t-1} in the x0 coefficient of the posterior mean.

mistake: ddpm_posterior: no_sqrt_abar_prev
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""
import torch


def ddpm_posterior(x_t, x0, betas, t):
    one = torch.ones(1, dtype=betas.dtype)
    abar = torch.cat([one, torch.cumprod(1 - betas, dim=0)])  # abar[0] = 1
    beta_t = betas[t - 1]
    a_t = 1 - beta_t
    mean = abar[t - 1] * beta_t / (1 - abar[t]) * x0 \
        + torch.sqrt(a_t) * (1 - abar[t - 1]) / (1 - abar[t]) * x_t
    var = (1 - abar[t - 1]) / (1 - abar[t]) * beta_t
    return mean, var
