"""Divides beta_t by 1 - abar_t instead of sqrt(1 - abar_t) in the noise coefficient.

mistake: posterior_mean_from_eps: no_sqrt_denominator
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def posterior_mean_from_eps(x_t, eps, t, betas):
    out = torch.empty_like(x_t)
    for n in range(x_t.shape[0]):
        tn = int(t[n])
        beta = betas[tn - 1]
        abar = torch.prod(1 - betas[:tn])
        out[n] = (x_t[n] - beta / (1 - abar) * eps[n]) / torch.sqrt(1 - beta)
    return out
