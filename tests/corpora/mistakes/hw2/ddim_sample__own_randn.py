"""Draws fresh noise with torch.randn at every step instead of using the given noise tensor.

mistake: ddim_sample: own_randn
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = len(alphas)
    x = x_T
    for t in range(T, 1, -1):
        a, a_prev, s = alphas[t - 1], alphas[t - 2], sigmas[t - 1]
        e = eps_model(x, t)
        x0_hat = (x - torch.sqrt(1 - a) * e) / torch.sqrt(a)
        z = torch.randn_like(x)
        x = torch.sqrt(a_prev) * x0_hat + torch.sqrt(1 - a_prev - s ** 2) * e + s * z
    e = eps_model(x, 1)
    return (x - torch.sqrt(1 - alphas[0]) * e) / torch.sqrt(alphas[0])
