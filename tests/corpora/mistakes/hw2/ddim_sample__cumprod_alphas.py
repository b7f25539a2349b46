"""Treats the DDIM alphas as one-step factors and takes their cumulative product, though they are already cumulative.

mistake: ddim_sample: cumprod_alphas
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    abar = torch.cumprod(alphas, dim=0)
    T = abar.shape[0]
    x = x_T
    for t in range(T, 1, -1):
        e = eps_model(x, t)
        x0 = (x - torch.sqrt(1 - abar[t - 1]) * e) / torch.sqrt(abar[t - 1])
        dir_var = torch.clamp(1 - abar[t - 2] - sigmas[t - 1] ** 2, min=0.0)
        x = torch.sqrt(abar[t - 2]) * x0 + torch.sqrt(dir_var) * e + sigmas[t - 1] * noise[t - 1]
    e = eps_model(x, 1)
    return (x - torch.sqrt(1 - abar[0]) * e) / torch.sqrt(abar[0])
