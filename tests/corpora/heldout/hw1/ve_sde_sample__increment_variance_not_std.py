"""Scales the noise by the variance increment sigma2[k+1]-sigma2[k] instead of its square root.

mistake: ve_sde_sample: increment_variance_not_std
source: 001_d4f722768cb25930.txt, problem 6
"""
import torch


def ve_sde_sample(x0, sigma2, noise):
    dvar = sigma2[1:] - sigma2[:-1]          # [K]
    increments = dvar[:, None] * noise       # [K, N]
    return x0 + increments.sum(dim=0)
