"""Builds alphas as an alias of betas and updates it in place (alphas *= -1; alphas += 1), overwriting the caller's betas.

mistake: ddpm_prior_kl: inplace_betas
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_prior_kl(x0, betas):
    alphas = betas
    alphas *= -1
    alphas += 1
    abar_T = torch.prod(alphas)
    var = 1 - abar_T
    d = x0.shape[-1]
    return 0.5 * (abar_T * (x0 ** 2).sum(-1) + d * (var - 1 - torch.log(var)))
