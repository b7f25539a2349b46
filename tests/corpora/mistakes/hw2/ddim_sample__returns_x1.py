"""Returns the last state X_1 instead of the denoised x0_hat computed at t = 1.

mistake: ddim_sample: returns_x1
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    x = x_T.clone()
    for t in reversed(range(2, alphas.shape[0] + 1)):
        eps = eps_model(x, t)
        a_t = alphas[t - 1]
        a_s = alphas[t - 2]
        sig = sigmas[t - 1]
        pred_x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        x = a_s.sqrt() * pred_x0 + (1 - a_s - sig * sig).sqrt() * eps + sig * noise[t - 1]
    return x
