"""Squares sigma2 again, treating the given variances sigma_t^2 as standard deviations.

mistake: ddpm_eps_loss_weight: sigma2_squared
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import numpy as np


def ddpm_eps_loss_weight(t, betas, sigma2):
    t = np.asarray(t, dtype=np.int64)
    betas = np.asarray(betas, dtype=np.float64)
    sigma = np.asarray(sigma2, dtype=np.float64)  # sigma_t
    abar = np.cumprod(1.0 - betas)
    bt = betas[t - 1]
    return bt ** 2 / (2.0 * sigma[t - 1] ** 2 * (1.0 - bt) * (1.0 - abar[t - 1]))
