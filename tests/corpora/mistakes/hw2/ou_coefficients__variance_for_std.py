"""Returns the variance 1 - exp(-t) as sigma_t instead of its square root.

mistake: ou_coefficients: variance_for_std
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""
import torch


def ou_coefficients(t):
    gamma = torch.exp(-0.5 * t)
    sigma = 1 - torch.exp(-t)
    return gamma, sigma
