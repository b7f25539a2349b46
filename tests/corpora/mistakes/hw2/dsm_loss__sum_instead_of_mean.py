"""Sums the weighted squared errors over the batch instead of averaging them.

mistake: dsm_loss: sum_instead_of_mean
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""
import torch


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma = torch.exp(-t / 2)
    sigma = torch.sqrt(1 - torch.exp(-t))
    xt = gamma * x0 + sigma * eps
    err = eps_model(xt, t) - eps
    return (lam / sigma ** 2 * err ** 2).sum()
