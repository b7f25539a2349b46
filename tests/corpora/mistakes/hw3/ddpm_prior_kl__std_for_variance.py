"""Plugs the standard deviation sqrt(1 - abar_T) into the KL where the variance 1 - abar_T belongs.

mistake: ddpm_prior_kl: std_for_variance
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_prior_kl(x0, betas):
    abar_T = torch.prod(1 - betas)
    mu = abar_T.sqrt() * x0
    s = torch.sqrt(1 - abar_T)  # "variance" of q(x_T | x_0)
    d = x0.shape[1]
    return 0.5 * ((mu ** 2).sum(1) + d * s - d - d * torch.log(s))
