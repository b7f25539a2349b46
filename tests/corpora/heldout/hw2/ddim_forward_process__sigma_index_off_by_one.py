"""Uses sigmas[t-1] (sigma_t) in the step to X_t instead of sigmas[t] (sigma_{t+1}).

mistake: ddim_forward_process: sigma_index_off_by_one
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    xs = [None] * T
    a_T = alphas[T - 1]
    x = torch.sqrt(a_T) * x0 + torch.sqrt(1 - a_T) * noise[T - 1]
    xs[T - 1] = x
    for t in range(T - 1, 0, -1):
        a_t = alphas[t - 1]
        a_next = alphas[t]
        s = sigmas[t - 1]
        x = (torch.sqrt(a_t) * x0
             + torch.sqrt(1 - a_t - s ** 2) / torch.sqrt(1 - a_next) * (x - torch.sqrt(a_next) * x0)
             + s * noise[t - 1])
        xs[t - 1] = x
    return torch.stack(xs, dim=0)
