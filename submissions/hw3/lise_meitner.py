"""Homework 3 -- the DDPM objective and score matching.

Lise Meitner

Time is 1-indexed as in the problem set: betas[t-1] is beta_t and
abar_t = prod_{s <= t} (1 - beta_s).  `t` is a batch of integers, one per
sample, so every coefficient is gathered per sample and broadcast over the
data dimension.
"""
import torch


def _per_sample(coef, like):
    """[N] -> [N, 1, ..., 1] so that it broadcasts against `like` ([N, d])."""
    return coef.reshape((-1,) + (1,) * (like.dim() - 1))


def _schedule(betas, t):
    t = torch.as_tensor(t, dtype=torch.long, device=betas.device)
    alphas = 1.0 - betas
    alpha_bars = torch.cumprod(alphas, dim=0)
    return betas[t - 1], alphas[t - 1], alpha_bars[t - 1]


# Problem 2.1: forward marginal q(x_t | x_0)
def ddpm_q_sample(x0, t, betas, noise):
    _, _, abar_t = _schedule(betas, t)
    return (_per_sample(abar_t.sqrt(), x0) * x0
            + _per_sample((1.0 - abar_t).sqrt(), x0) * noise)


# Problem 2.2: posterior mean in terms of the noise
def posterior_mean_from_eps(x_t, eps, t, betas):
    beta_t, alpha_t, abar_t = _schedule(betas, t)
    eps_coef = _per_sample(beta_t / (1.0 - abar_t).sqrt(), x_t)
    return (x_t - eps_coef * eps) / _per_sample(alpha_t.sqrt(), x_t)


# Problem 2.4: weight in front of ||eps - eps_theta||^2 in L_{t-1}
def ddpm_eps_loss_weight(t, betas, sigma2):
    beta_t, alpha_t, abar_t = _schedule(betas, t)
    t = torch.as_tensor(t, dtype=torch.long, device=betas.device)
    sigma2_t = sigma2[t - 1]
    return beta_t ** 2 / (2.0 * sigma2_t * alpha_t * (1.0 - abar_t))


# Problem 2.3: the prior term L_T = KL(q(x_T | x_0) || N(0, I))
def ddpm_prior_kl(x0, betas):
    abar_T = torch.prod(1.0 - betas)
    var = 1.0 - abar_T
    d = x0.shape[-1]
    mean_sq = abar_T * (x0 ** 2).sum(dim=-1)
    # KL(N(m, v I) || N(0, I)) = 1/2 (d v + |m|^2 - d - d log v)
    return 0.5 * (d * var + mean_sq - d - d * torch.log(var))


# Problem 3: implicit score matching with the exact trace of the Jacobian
def implicit_score_matching_loss(score_model, x):
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        s = score_model(x)                                   # [N, d]
        trace = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        for i in range(x.shape[1]):
            # rows are independent, so d(sum_n s_ni)/dx_n = d s_ni / d x_n
            g = torch.autograd.grad(s[:, i].sum(), x, create_graph=True)[0]
            trace = trace + g[:, i]
        return (trace + 0.5 * (s ** 2).sum(dim=-1)).mean()


# Problem 4: denoising score matching
def denoising_score_matching_loss(score_model, x, sigma, noise):
    sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device)
    if sigma.dim() == 1:                      # one sigma per sample
        sigma = _per_sample(sigma, x)
    s = score_model(x + sigma * noise)
    return 0.5 * ((s + noise / sigma) ** 2).sum(dim=-1).mean()
