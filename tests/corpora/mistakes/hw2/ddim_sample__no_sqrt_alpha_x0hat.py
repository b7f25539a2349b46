"""Divides by alpha_t instead of sqrt(alpha_t) when predicting x0_hat from the noise estimate.

mistake: ddim_sample: no_sqrt_alpha_x0hat
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def _x0_hat(x, e, a):
    return (x - torch.sqrt(1 - a) * e) / a


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    for t in range(T, 1, -1):
        e = eps_model(x, t)
        x0 = _x0_hat(x, e, alphas[t - 1])
        x = torch.sqrt(alphas[t - 2]) * x0 + torch.sqrt(1 - alphas[t - 2] - sigmas[t - 1] ** 2) * e \
            + sigmas[t - 1] * noise[t - 1]
    return _x0_hat(x, eps_model(x, 1), alphas[0])
