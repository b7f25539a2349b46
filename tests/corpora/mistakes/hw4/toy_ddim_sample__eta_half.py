"""Replaces eta(t, dt) by its dt << t limit 1/2 (part (g)) at every step.

mistake: toy_ddim_sample: eta_half
source: 003_4ea08618c667dec6.txt, problem 1
"""
import torch


def toy_ddim_sample(x1, sigma2, n_steps):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        x = x * (1 - 0.5 * dt / (sigma2 + t))
    return x
