"""Averages the squared mean difference over dimensions instead of summing it (|mu1-mu0|^2 / d).

mistake: gaussian_kl: mean_for_sum_of_squares
source: 001_d4f722768cb25930.txt, problem 2
"""
import torch


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[-1]
    sq = ((mu1 - mu0) ** 2).mean(dim=-1)
    return sq / (2 * sigma1 ** 2) + 0.5 * d * (sigma0 ** 2 / sigma1 ** 2 - 1) + d * torch.log(sigma1 / sigma0)
