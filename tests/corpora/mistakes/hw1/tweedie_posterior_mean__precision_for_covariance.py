"""Multiplies the score by the inverse covariance Sigma^{-1} instead of by Sigma.

mistake: tweedie_posterior_mean: precision_for_covariance
source: 001_d4f722768cb25930.txt, problem 1
"""
import torch


def tweedie_posterior_mean(y, score, Sigma):
    P = torch.linalg.inv(Sigma)
    g = score(y)
    out = torch.empty_like(y)
    for n in range(y.shape[0]):
        out[n] = y[n] + P @ g[n]
    return out
