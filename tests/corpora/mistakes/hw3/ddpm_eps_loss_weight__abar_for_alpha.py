"""Uses abar_t where alpha_t belongs in the denominator: beta_t^2 / (2 sigma_t^2 abar_t (1 - abar_t)).

mistake: ddpm_eps_loss_weight: abar_for_alpha
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_eps_loss_weight(t, betas, sigma2):
    abar_t = torch.cumprod(1 - betas, 0)[t - 1]
    beta_t = betas[t - 1]
    return beta_t.pow(2) / (2 * sigma2[t - 1] * abar_t * (1 - abar_t))
