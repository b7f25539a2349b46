"""Squares the given variances sigma2 again, using sigma_t^4 where sigma_t^2 belongs.

mistake: ddpm_eps_loss_weight: sigma2_squared_again
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_eps_loss_weight(t, betas, sigma2):
    alphas = 1.0 - betas
    alphas_bar = torch.cumprod(alphas, 0)
    beta_t = betas[t - 1]
    alpha_t = alphas[t - 1]
    abar_t = alphas_bar[t - 1]
    sigma_t = sigma2[t - 1]
    return beta_t ** 2 / (2 * sigma_t ** 2 * alpha_t * (1 - abar_t))
