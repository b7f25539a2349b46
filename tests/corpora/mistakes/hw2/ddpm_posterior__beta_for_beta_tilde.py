"""Uses the forward variance beta_t as the posterior variance instead of beta_tilde_t.

mistake: ddpm_posterior: beta_for_beta_tilde
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""
import torch


def ddpm_posterior(x_t, x0, betas, t):
    alphas = 1 - betas
    abar = torch.cumprod(alphas, 0)
    abar_t = abar[t - 1]
    abar_prev = abar[t - 2] if t > 1 else torch.tensor(1.0, dtype=betas.dtype)
    beta_t = betas[t - 1]
    mean = (abar_prev.sqrt() * beta_t / (1 - abar_t)) * x0 \
        + (alphas[t - 1].sqrt() * (1 - abar_prev) / (1 - abar_t)) * x_t
    # posterior variance: same noise level as the forward step
    var = beta_t
    return mean, var
