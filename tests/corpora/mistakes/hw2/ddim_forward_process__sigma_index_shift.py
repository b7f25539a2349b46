"""Uses sigma_t (sigmas[t-1]) in the step from X_{t+1} to X_t instead of sigma_{t+1} (sigmas[t]).

mistake: ddim_forward_process: sigma_index_shift
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def _step(x_next, x0, a_t, a_next, s_next, z):
    return (torch.sqrt(a_t) * x0
            + torch.sqrt(1 - a_t - s_next ** 2) / torch.sqrt(1 - a_next) * (x_next - torch.sqrt(a_next) * x0)
            + s_next * z)


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = len(alphas)
    xs = torch.zeros((T,) + tuple(x0.shape), dtype=x0.dtype)
    xs[T - 1] = torch.sqrt(alphas[T - 1]) * x0 + torch.sqrt(1 - alphas[T - 1]) * noise[T - 1]
    for t in range(T - 1, 0, -1):
        xs[t - 1] = _step(xs[t], x0, alphas[t - 1], alphas[t], sigmas[t - 1], noise[t - 1])
    return xs
