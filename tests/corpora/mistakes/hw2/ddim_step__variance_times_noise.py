"""Scales the noise by the variance sigma_{t+1}^2 instead of the standard deviation sigma_{t+1}.

mistake: ddim_step: variance_times_noise
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    var = torch.as_tensor(sigma_next, dtype=torch.float64) ** 2
    a_t = torch.as_tensor(alpha_t, dtype=torch.float64)
    a_n = torch.as_tensor(alpha_next, dtype=torch.float64)
    mean = torch.sqrt(a_t) * x0 + torch.sqrt(1 - a_t - var) / torch.sqrt(1 - a_n) * (x_next - torch.sqrt(a_n) * x0)
    return mean + var * noise
