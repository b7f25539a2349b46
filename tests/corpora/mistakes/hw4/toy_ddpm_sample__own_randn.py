"""Draws its own noise with torch.randn_like instead of using noise[k] (still honours noise=None).

mistake: toy_ddpm_sample: own_randn
source: 003_4ea08618c667dec6.txt, problem 1
"""
import torch


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    dt = 1.0 / n_steps
    x = x1.clone()
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        m = (sigma2 + t - dt) / (sigma2 + t) * x
        v = (sigma2 + t - dt) * dt / (sigma2 + t)
        if noise is not None:
            x = m + v ** 0.5 * torch.randn_like(x)
        else:
            x = m
    return x
