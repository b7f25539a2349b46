"""Forgets the factor d in front of the log(sigma1/sigma0) term.

mistake: gaussian_kl: log_term_missing_d
source: 001_d4f722768cb25930.txt, problem 2
"""
import torch


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[1]
    r = sigma0 ** 2 / sigma1 ** 2
    return (torch.sum((mu1 - mu0) ** 2, dim=1) / (2 * sigma1 ** 2)
            + d * (r - 1) / 2
            + torch.log(sigma1 / sigma0))
