"""Leaves out the factor 1/2 of the Gaussian KL: beta_t^2 / (sigma_t^2 alpha_t (1 - abar_t)).

mistake: ddpm_eps_loss_weight: missing_half
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_eps_loss_weight(t, betas, sigma2):
    abar = torch.cumprod(1 - betas, 0)
    b = betas[t - 1]
    return b ** 2 / (sigma2[t - 1] * (1 - b) * (1 - abar[t - 1]))
