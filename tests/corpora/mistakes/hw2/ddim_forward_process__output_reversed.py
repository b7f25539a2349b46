"""Returns the states in generation order (out[0] = X_T) instead of out[t-1] = X_t.

mistake: ddim_forward_process: output_reversed
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = torch.sqrt(alphas[T - 1]) * x0 + torch.sqrt(1 - alphas[T - 1]) * noise[T - 1]
    traj = [x]
    for t in range(T - 1, 0, -1):
        c = torch.sqrt(1 - alphas[t - 1] - sigmas[t] ** 2) / torch.sqrt(1 - alphas[t])
        x = torch.sqrt(alphas[t - 1]) * x0 + c * (x - torch.sqrt(alphas[t]) * x0) + sigmas[t] * noise[t - 1]
        traj.append(x)
    return torch.stack(traj)
