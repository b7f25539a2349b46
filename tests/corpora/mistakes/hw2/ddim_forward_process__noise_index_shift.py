"""Draws the noise of X_t from noise[t] instead of noise[t-1], reusing the X_{t+1} noise.

mistake: ddim_forward_process: noise_index_shift
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = alphas[-1].sqrt() * x0 + (1 - alphas[-1]).sqrt() * noise[-1]
    outs = [x]
    for t in range(T - 1, 0, -1):
        a_t, a_n, s = alphas[t - 1], alphas[t], sigmas[t]
        x = a_t.sqrt() * x0 + (1 - a_t - s ** 2).sqrt() / (1 - a_n).sqrt() * (x - a_n.sqrt() * x0) + s * noise[t]
        outs.append(x)
    outs.reverse()
    return torch.stack(outs)
