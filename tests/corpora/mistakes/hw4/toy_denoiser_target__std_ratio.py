"""Uses the ratio of standard deviations sqrt(sigma2)/sqrt(sigma2 + t) instead of the ratio of variances.

mistake: toy_denoiser_target: std_ratio
source: 003_4ea08618c667dec6.txt, problem 1
"""
import torch


def toy_denoiser_target(x_t, t, sigma2):
    t = torch.as_tensor(t, dtype=torch.float64)
    s2 = torch.as_tensor(sigma2, dtype=torch.float64)
    return torch.sqrt(s2 / (s2 + t)) * x_t
