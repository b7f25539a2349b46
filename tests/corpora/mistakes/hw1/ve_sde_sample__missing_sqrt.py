"""Scales the noise by the variance increment sigma2[k+1] - sigma2[k] instead of its square root.

mistake: ve_sde_sample: missing_sqrt
source: 001_d4f722768cb25930.txt, problem 6
"""
import torch


def ve_sde_sample(x0, sigma2, noise):
    x = x0.clone()
    for k in range(noise.shape[0]):
        x = x + (sigma2[k + 1] - sigma2[k]) * noise[k]
    return x
