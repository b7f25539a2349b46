"""Puts the x_t coefficient on x0 and the x0 coefficient on x_t in the posterior mean.

mistake: ddpm_posterior: swapped_coefficients
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""
import numpy as np


def ddpm_posterior(x_t, x0, betas, t):
    betas = np.asarray(betas, dtype=np.float64)
    abar = np.concatenate([[1.0], np.cumprod(1.0 - betas)])
    beta_t = betas[t - 1]
    c_x0 = np.sqrt(abar[t - 1]) * beta_t / (1.0 - abar[t])
    c_xt = np.sqrt(1.0 - beta_t) * (1.0 - abar[t - 1]) / (1.0 - abar[t])
    mean = c_xt * np.asarray(x0) + c_x0 * np.asarray(x_t)
    var = (1.0 - abar[t - 1]) / (1.0 - abar[t]) * beta_t
    return mean, float(var)
