"""Steps x <- x + h * drift, i.e. forward in time, instead of x <- x - h * drift for the reverse-time SDE.

mistake: reverse_sde_sample: step_direction
source: 001_d4f722768cb25930.txt, problem 7
"""
import math

import torch


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    for k in range(len(ts) - 1):
        t = float(ts[k])
        h = t - float(ts[k + 1])
        drift = -0.5 * x - (1 - lam / 2) * score(x, t)
        x = x + h * drift + math.sqrt((1 - lam) * h) * noise[k]
    return x
