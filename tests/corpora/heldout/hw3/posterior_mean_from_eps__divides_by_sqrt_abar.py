"""Divides by sqrt(abar_t) instead of sqrt(alpha_t) at the end.

mistake: posterior_mean_from_eps: divides_by_sqrt_abar
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def posterior_mean_from_eps(x_t, eps, t, betas):
    N = x_t.shape[0]
    out = torch.empty_like(x_t)
    for n in range(N):
        tn = int(t[n])
        beta = betas[tn - 1]
        abar = torch.prod(1 - betas[:tn])
        out[n] = (x_t[n] - beta / torch.sqrt(1 - abar) * eps[n]) / torch.sqrt(abar)
    return out
