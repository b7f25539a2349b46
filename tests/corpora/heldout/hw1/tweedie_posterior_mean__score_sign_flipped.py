"""Subtracts the Sigma-weighted score from y instead of adding it.

mistake: tweedie_posterior_mean: score_sign_flipped
source: 001_d4f722768cb25930.txt, problem 1
"""
import torch


def tweedie_posterior_mean(y, score, Sigma):
    # E[X | Y=y] for Y = X + Z, Z ~ N(0, Sigma)
    s = score(y)                       # [N, d]
    correction = torch.einsum("ij,nj->ni", Sigma, s)
    return y - correction
