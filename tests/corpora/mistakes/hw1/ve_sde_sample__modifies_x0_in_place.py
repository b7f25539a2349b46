"""Accumulates the increments into the argument x0 in place (x0 += ...), modifying the caller's tensor.

mistake: ve_sde_sample: modifies_x0_in_place
source: 001_d4f722768cb25930.txt, problem 6
"""
import torch


def ve_sde_sample(x0, sigma2, noise):
    x = x0
    for k in range(noise.shape[0]):
        x += torch.sqrt(sigma2[k + 1] - sigma2[k]) * noise[k]
    return x
