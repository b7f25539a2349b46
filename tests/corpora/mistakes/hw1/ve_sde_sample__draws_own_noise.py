"""Draws its own Gaussian increments with torch.randn_like instead of using the given noise.

mistake: ve_sde_sample: draws_own_noise
source: 001_d4f722768cb25930.txt, problem 6
"""
import torch


def ve_sde_sample(x0, sigma2, noise):
    K = len(sigma2) - 1
    x = x0.clone()
    for k in range(K):
        eps = torch.randn_like(x0)
        x = x + torch.sqrt(sigma2[k + 1] - sigma2[k]) * eps
    return x
