"""Updates x with in-place operations (x *= ..., x += ...) where x is the caller's x1 tensor.

mistake: toy_ddpm_sample: inplace_x1
source: 003_4ea08618c667dec6.txt, problem 1
"""


def toy_ddpm_sample(x1, sigma2, n_steps, noise):
    dt = 1.0 / n_steps
    x = x1
    for k in range(n_steps):
        t = (n_steps - k) / n_steps
        x *= (sigma2 + t - dt) / (sigma2 + t)
        if noise is not None:
            x += ((sigma2 + t - dt) * dt / (sigma2 + t)) ** 0.5 * noise[k]
    return x
