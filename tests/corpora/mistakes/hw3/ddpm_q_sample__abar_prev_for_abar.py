"""Uses abar_{t-1} instead of abar_t: the cumulative product with abar_0 = 1 prepended is indexed with t-1.

mistake: ddpm_q_sample: abar_prev_for_abar
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import torch


def ddpm_q_sample(x0, t, betas, noise):
    abar = torch.cat([torch.ones(1, dtype=betas.dtype), torch.cumprod(1 - betas, 0)])
    ab = abar[t - 1].unsqueeze(1)
    return torch.sqrt(ab) * x0 + torch.sqrt(1 - ab) * noise
