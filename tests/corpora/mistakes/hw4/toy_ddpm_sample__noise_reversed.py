"""Indexes the noise by time instead of by step (noise[n_steps-1-k]), using the rows in reverse order.

mistake: toy_ddpm_sample: noise_reversed
source: 003_4ea08618c667dec6.txt, problem 1
"""
import torch


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        mean = (sigma2 + t - dt) / (sigma2 + t) * x
        if noise is None:
            x = mean
            continue
        var = (sigma2 + t - dt) * dt / (sigma2 + t)
        i = round(t * n_steps) - 1  # step index from the time t
        x = mean + var ** 0.5 * noise[i]
    return x
