"""Returns sigma_t^2 = 1 - exp(-t) as sigma_t, forgetting the square root.

mistake: ou_coefficients: sigma_returns_variance
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""
import numpy as np


def ou_coefficients(t):
    t = np.asarray(t, dtype=np.float64)
    gamma = np.exp(-t / 2)
    sigma = 1 - np.exp(-t)
    return gamma, sigma
