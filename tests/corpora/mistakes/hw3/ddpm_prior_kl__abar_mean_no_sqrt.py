"""Uses abar_T instead of sqrt(abar_T) for the mean of q(x_T | x_0).

mistake: ddpm_prior_kl: abar_mean_no_sqrt
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_prior_kl(x0, betas):
    abar_T = torch.cumprod(1 - betas, 0)[-1]
    mean = abar_T * x0
    var = 1 - abar_T
    kl_per_dim = 0.5 * (var + mean ** 2 - 1 - torch.log(var))
    return kl_per_dim.sum(-1)
