"""Uses noise[t-2] at step t, so the unused noise[0] is consumed and noise[T-1] is never used.

mistake: ddim_sample: noise_index_shift
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    for t in range(T, 1, -1):
        e = eps_model(x, t)
        x0_hat = (x - torch.sqrt(1 - alphas[t - 1]) * e) / torch.sqrt(alphas[t - 1])
        x = (torch.sqrt(alphas[t - 2]) * x0_hat
             + torch.sqrt(1 - alphas[t - 2] - sigmas[t - 1] ** 2) * e
             + sigmas[t - 1] * noise[t - 2])
    e = eps_model(x, 1)
    return (x - torch.sqrt(1 - alphas[0]) * e) / torch.sqrt(alphas[0])
