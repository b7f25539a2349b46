"""Returns the standard deviation sqrt(sigma2 + t) instead of the variance sigma2 + t.

mistake: toy_marginal_var: std_not_var
source: 003_4ea08618c667dec6.txt, problem 1
"""
import torch


def toy_marginal_var(sigma2, t):
    return torch.sqrt(torch.as_tensor(sigma2 + t, dtype=torch.float64))
