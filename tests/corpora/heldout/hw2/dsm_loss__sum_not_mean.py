"""Sums the weighted squared errors over the batch instead of averaging them.

mistake: dsm_loss: sum_not_mean
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""
import torch


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma = torch.exp(-0.5 * t)
    sigma2 = 1.0 - torch.exp(-t)
    x_t = gamma * x0 + torch.sqrt(sigma2) * eps
    err = eps_model(x_t, t) - eps
    return torch.sum(lam / sigma2 * err ** 2)
