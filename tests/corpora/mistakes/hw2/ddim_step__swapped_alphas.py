"""Swaps alpha_t and alpha_{t+1} in the direction coefficient (sqrt(1-alpha_{t+1}-sigma^2)/sqrt(1-alpha_t)).

mistake: ddim_step: swapped_alphas
source: 000_ff2b2f8a8d165fc7.txt, problem 2
"""
import torch


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    alpha_t = torch.as_tensor(alpha_t, dtype=torch.float64)
    alpha_next = torch.as_tensor(alpha_next, dtype=torch.float64)
    sigma_next = torch.as_tensor(sigma_next, dtype=torch.float64)
    eps_hat = (x_next - alpha_next.sqrt() * x0)
    k = torch.sqrt(torch.clamp(1 - alpha_next - sigma_next ** 2, min=0)) / torch.sqrt(1 - alpha_t)
    return alpha_t.sqrt() * x0 + k * eps_hat + sigma_next * noise
