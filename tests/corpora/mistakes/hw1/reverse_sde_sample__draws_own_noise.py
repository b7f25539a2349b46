"""Draws fresh torch.randn noise at every step instead of using noise[k].

mistake: reverse_sde_sample: draws_own_noise
source: 001_d4f722768cb25930.txt, problem 7
"""
import math

import torch


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    for k in range(len(ts) - 1):
        h = float(ts[k] - ts[k + 1])
        drift = -x / 2 - (1 - lam / 2) * score(x, float(ts[k]))
        z = torch.randn(x.shape, dtype=x.dtype)
        x = x - h * drift + math.sqrt((1 - lam) * h) * z
    return x
