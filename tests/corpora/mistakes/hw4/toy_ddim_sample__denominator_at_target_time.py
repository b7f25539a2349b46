"""Divides by sigma2 + t - dt (the variance at the target time) instead of sigma2 + t in the DDIM update.

mistake: toy_ddim_sample: denominator_at_target_time
source: 003_4ea08618c667dec6.txt, problem 1
"""
import numpy as np


def toy_ddim_sample(x1, sigma2, n_steps):
    dt = 1.0 / n_steps
    x = np.array(x1, dtype=np.float64)
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = np.sqrt(t) / (np.sqrt(t - dt) + np.sqrt(t))
        x = x - eta * dt / (sigma2 + t - dt) * x
    return x
