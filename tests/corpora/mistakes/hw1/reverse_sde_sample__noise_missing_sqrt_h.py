"""Scales the noise by sqrt(1 - lam) * h instead of sqrt((1 - lam) h), forgetting the square root of the step.

mistake: reverse_sde_sample: noise_missing_sqrt_h
source: 001_d4f722768cb25930.txt, problem 7
"""
import math

import torch


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    K = ts.shape[0] - 1
    for k in range(K):
        h = (ts[k] - ts[k + 1]).item()
        f = -x / 2
        x = x - h * (f - (1 - lam / 2) * score(x, ts[k].item())) + math.sqrt(1 - lam) * h * noise[k]
    return x
