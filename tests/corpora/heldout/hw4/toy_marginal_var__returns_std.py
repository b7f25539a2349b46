"""Returns the standard deviation sqrt(sigma2 + t) instead of the variance sigma2 + t.

mistake: toy_marginal_var: returns_std
source: 003_4ea08618c667dec6.txt, problem 1
"""
import torch


def toy_marginal_var(sigma2, t):
    return torch.sqrt(torch.as_tensor(sigma2, dtype=torch.float64) + t)
