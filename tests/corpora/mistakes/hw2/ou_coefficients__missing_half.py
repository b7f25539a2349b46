"""Drops the 1/2 in the exponent of the mean factor: gamma_t = exp(-t) instead of exp(-t/2).

mistake: ou_coefficients: missing_half
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""
import numpy as np


def ou_coefficients(t):
    t = np.asarray(t, dtype=np.float64)
    gamma = np.exp(-t)
    sigma = np.sqrt(1.0 - np.exp(-t))
    return gamma, sigma
