"""Leaves out the factor 2 in the denominator, i.e. the 1/2 of the Gaussian KL.

mistake: ddpm_eps_loss_weight: missing_half
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_eps_loss_weight(t, betas, sigma2):
    abar = torch.cumprod(1 - betas, dim=0)
    idx = t - 1
    b = betas[idx]
    alpha = 1 - b
    return b ** 2 / (sigma2[idx] * alpha * (1 - abar[idx]))
