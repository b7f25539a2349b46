"""Stops after producing X_1 and returns it, instead of the x0_hat predicted from X_1 at t = 1.

mistake: ddim_sample: returns_x1_not_x0_hat
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = len(alphas)
    x = x_T.clone()
    for t in range(T, 1, -1):
        a_t = alphas[t - 1]
        a_prev = alphas[t - 2]
        sig = sigmas[t - 1]
        e = eps_model(x, t)
        x0_hat = (x - torch.sqrt(1 - a_t) * e) / torch.sqrt(a_t)
        x = torch.sqrt(a_prev) * x0_hat + torch.sqrt(1 - a_prev - sig ** 2) * e + sig * noise[t - 1]
    return x
