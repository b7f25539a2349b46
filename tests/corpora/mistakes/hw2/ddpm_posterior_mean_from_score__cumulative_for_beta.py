"""Uses the cumulative 1 - abar_t and abar_t in place of the one-step beta_t and alpha_t.

mistake: ddpm_posterior_mean_from_score: cumulative_for_beta
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""
import torch


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    abar_t = torch.prod(1 - betas[:t])
    return (x_t + (1 - abar_t) * score) / torch.sqrt(abar_t)
