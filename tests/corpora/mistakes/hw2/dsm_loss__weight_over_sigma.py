"""Weights by lambda/sigma_t instead of lambda/sigma_t^2.

mistake: dsm_loss: weight_over_sigma
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""
import torch


def dsm_loss(eps_model, x0, t, eps, lam):
    sig = (1 - (-t).exp()).sqrt()
    x_t = (-t / 2).exp() * x0 + sig * eps
    w = lam / sig
    return torch.mean(w * (eps_model(x_t, t) - eps).pow(2))
