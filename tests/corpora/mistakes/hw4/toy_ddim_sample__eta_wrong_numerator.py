"""Puts sqrt(t - dt) instead of sqrt(t) in the numerator of eta(t, dt).

mistake: toy_ddim_sample: eta_wrong_numerator
source: 003_4ea08618c667dec6.txt, problem 1
"""
import math


def toy_ddim_sample(x1, sigma2, n_steps):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        eta = math.sqrt(t - dt) / (math.sqrt(t - dt) + math.sqrt(t))
        x = x - eta * dt / (sigma2 + t) * x
    return x
