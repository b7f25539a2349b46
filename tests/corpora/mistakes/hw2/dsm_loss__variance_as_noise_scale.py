"""Perturbs x0 with sigma_t^2 eps (the variance) instead of sigma_t eps when forming X_t.

mistake: dsm_loss: variance_as_noise_scale
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""
import torch


def dsm_loss(eps_model, x0, t, eps, lam):
    var = 1.0 - torch.exp(-t)
    x_t = torch.exp(-t / 2) * x0 + var * eps
    return (lam / var * (eps_model(x_t, t) - eps) ** 2).mean()
