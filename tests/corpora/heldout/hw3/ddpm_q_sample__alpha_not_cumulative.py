"""Uses the single-step alpha_t = 1 - beta_t instead of the cumulative product abar_t.

mistake: ddpm_q_sample: alpha_not_cumulative
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_q_sample(x0, t, betas, noise):
    alpha_t = (1.0 - betas)[t - 1].unsqueeze(-1)     # [N, 1]
    return torch.sqrt(alpha_t) * x0 + torch.sqrt(1.0 - alpha_t) * noise
