"""Takes the Euler step as x + h*drift (forward-time update) instead of x - h*drift.

mistake: reverse_sde_sample: drift_sign_flipped
source: 001_d4f722768cb25930.txt, problem 7
"""
import math
import torch


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    for k in range(len(ts) - 1):
        t = float(ts[k])
        h = float(ts[k]) - float(ts[k + 1])
        f = -0.5 * x
        drift = f - (1.0 - lam / 2.0) * score(x, t)
        x = x + h * drift + math.sqrt((1.0 - lam) * h) * noise[k]
    return x
