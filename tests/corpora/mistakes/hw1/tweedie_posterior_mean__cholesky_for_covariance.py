"""Uses the square root (Cholesky factor) of Sigma where Sigma itself multiplies the score.

mistake: tweedie_posterior_mean: cholesky_for_covariance
source: 001_d4f722768cb25930.txt, problem 1
"""
import torch


def tweedie_posterior_mean(y, score, Sigma):
    # noise Z = L eps with Sigma = L L^T
    L = torch.linalg.cholesky(Sigma)
    return y + (L @ score(y).T).T
