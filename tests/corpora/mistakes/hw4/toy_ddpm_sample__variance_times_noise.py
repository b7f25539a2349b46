"""Adds var * noise[k] instead of sqrt(var) * noise[k] in the stochastic reverse step.

mistake: toy_ddpm_sample: variance_times_noise
source: 003_4ea08618c667dec6.txt, problem 1
"""


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        ratio = (sigma2 + t - dt) / (sigma2 + t)
        var = ratio * dt
        x = ratio * x if noise is None else ratio * x + var * noise[k]
    return x
