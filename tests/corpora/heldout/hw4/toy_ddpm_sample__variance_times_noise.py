"""Adds var * noise[k] instead of sqrt(var) * noise[k] in the stochastic step.

mistake: toy_ddpm_sample: variance_times_noise
source: 003_4ea08618c667dec6.txt, problem 1
"""
import torch


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean = (sigma2 + t - dt) / (sigma2 + t) * x
        var = (sigma2 + t - dt) * dt / (sigma2 + t)
        if noise is None:
            x = mean
        else:
            x = mean + var * noise[k]
    return x
