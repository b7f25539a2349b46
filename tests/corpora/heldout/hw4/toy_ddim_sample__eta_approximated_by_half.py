"""Replaces eta(t, dt) by its small-dt limit 1/2 instead of sqrt(t)/(sqrt(t - dt) + sqrt(t)).

mistake: toy_ddim_sample: eta_approximated_by_half
source: 003_4ea08618c667dec6.txt, problem 1
"""
import numpy as np


def toy_ddim_sample(x1, sigma2, n_steps):
    x = np.array(x1, dtype=np.float64)
    dt = 1.0 / n_steps
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = 0.5
        x = x - eta * dt / (sigma2 + t) * x
    return x
