"""Computes the reverse divergence KL(N(mu1, sigma1^2 I) || N(mu0, sigma0^2 I)) by swapping the two Gaussians.

mistake: gaussian_kl: swapped_arguments
source: 001_d4f722768cb25930.txt, problem 2
"""
import math

import torch


def _kl(ma, sa, mb, sb):
    # KL(N(ma, sa^2 I) || N(mb, sb^2 I))
    d = ma.shape[1]
    return ((mb - ma).pow(2).sum(1) / (2 * sb ** 2)
            + d * (sa ** 2 / sb ** 2 - 1) / 2
            + d * torch.log(sb / sa))


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    return _kl(mu1, sigma1, mu0, sigma0)
