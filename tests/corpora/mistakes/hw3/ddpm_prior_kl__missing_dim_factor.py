"""Counts the variance and log terms of the KL once instead of once per dimension (no factor d).

mistake: ddpm_prior_kl: missing_dim_factor
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import math


def ddpm_prior_kl(x0, betas):
    abar_T = 1.0
    for b in betas.tolist():
        abar_T *= 1.0 - b
    v = 1.0 - abar_T
    sq = (x0 ** 2).sum(dim=1)
    return 0.5 * (v + abar_T * sq - 1.0 - math.log(v))
