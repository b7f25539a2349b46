"""Returns the mean flattened to a vector of N*d entries instead of the [N, d] array.

mistake: ddpm_posterior_mean_from_score: flattened_output
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""
import numpy as np


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta = float(betas[t - 1])
    m = (np.asarray(x_t) + beta * np.asarray(score)) / np.sqrt(1.0 - beta)
    return m.ravel()
