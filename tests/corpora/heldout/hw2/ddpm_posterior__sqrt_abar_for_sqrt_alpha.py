"""Uses sqrt(abar_t) instead of sqrt(alpha_t) in the x_t coefficient of the posterior mean.

mistake: ddpm_posterior: sqrt_abar_for_sqrt_alpha
source: 000_ff2b2f8a8d165fc7.txt, problem 1
"""
import torch


def ddpm_posterior(x_t, x0, betas, t):
    alphas = 1.0 - betas
    abar = torch.cumprod(alphas, dim=0)
    abar_t = abar[t - 1]
    abar_prev = abar[t - 2] if t > 1 else torch.tensor(1.0, dtype=betas.dtype)
    beta_t = betas[t - 1]

    coef_x0 = torch.sqrt(abar_prev) * beta_t / (1.0 - abar_t)
    coef_xt = torch.sqrt(abar_t) * (1.0 - abar_prev) / (1.0 - abar_t)
    mean = coef_x0 * x0 + coef_xt * x_t
    var = (1.0 - abar_prev) / (1.0 - abar_t) * beta_t
    return mean, var
