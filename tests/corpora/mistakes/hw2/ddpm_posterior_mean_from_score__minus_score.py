"""Subtracts beta_t times the score instead of adding it (sign error from eps = -sigma score).

mistake: ddpm_posterior_mean_from_score: minus_score
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""
import torch


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta_t = betas[t - 1]
    return (x_t - beta_t * score) / torch.sqrt(1 - beta_t)
