"""Divides by (1 - beta_t) instead of sqrt(1 - beta_t).

mistake: ddpm_posterior_mean_from_score: missing_sqrt
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta_t = float(betas[t - 1])
    return (x_t + beta_t * score) / (1.0 - beta_t)
