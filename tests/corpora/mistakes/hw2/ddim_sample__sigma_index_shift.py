"""Uses sigma_{t-1} (sigmas[t-2]) in the step from X_t to X_{t-1} instead of sigma_t.

mistake: ddim_sample: sigma_index_shift
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    for t in range(T, 1, -1):
        e = eps_model(x, t)
        x0_hat = (x - torch.sqrt(1 - alphas[t - 1]) * e) / torch.sqrt(alphas[t - 1])
        s = sigmas[t - 2]
        x = (torch.sqrt(alphas[t - 2]) * x0_hat
             + torch.sqrt(torch.clamp(1 - alphas[t - 2] - s ** 2, min=0.0)) * e
             + s * noise[t - 1])
    e = eps_model(x, 1)
    return (x - torch.sqrt(1 - alphas[0]) * e) / torch.sqrt(alphas[0])
