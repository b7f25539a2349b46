"""Scales the given noise tensor in place (noise[t-1] *= sigma) while building the process, changing the caller's input.

mistake: ddim_forward_process: inplace_noise
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    noise[T - 1] *= torch.sqrt(1 - alphas[T - 1])
    x = torch.sqrt(alphas[T - 1]) * x0 + noise[T - 1]
    out = [None] * T
    out[T - 1] = x
    for t in range(T - 1, 0, -1):
        noise[t - 1] *= sigmas[t]
        c = torch.sqrt(1 - alphas[t - 1] - sigmas[t] ** 2) / torch.sqrt(1 - alphas[t])
        x = torch.sqrt(alphas[t - 1]) * x0 + c * (x - torch.sqrt(alphas[t]) * x0) + noise[t - 1]
        out[t - 1] = x
    return torch.stack(out)
