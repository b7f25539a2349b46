"""HW3 -- Werner Heisenberg."""
import math
import torch


def _gather(v, t):
    return v[torch.as_tensor(t, dtype=torch.long) - 1]


def ddpm_q_sample(x0, t, betas, noise):
    abar_t = _gather(torch.cumprod(1 - betas, 0), t)[:, None]
    return abar_t.sqrt() * x0 + (1 - abar_t).sqrt() * noise


def posterior_mean_from_eps(x_t, eps, t, betas):
    beta_t = _gather(betas, t)[:, None]
    abar_t = _gather(torch.cumprod(1 - betas, 0), t)[:, None]
    return (x_t - beta_t * eps / (1 - abar_t).sqrt()) / (1 - beta_t).sqrt()


def ddpm_eps_loss_weight(t, betas, sigma2):
    beta_t = _gather(betas, t)
    abar_t = _gather(torch.cumprod(1 - betas, 0), t)
    return beta_t ** 2 / (2 * _gather(sigma2, t) * (1 - beta_t) * (1 - abar_t))


def _kl_isotropic(m0, v0, m1, v1):
    """KL(N(m0, v0 I) || N(m1, v1 I)) per row."""
    d = m0.shape[-1]
    return 0.5 * (d * v0 / v1 + ((m1 - m0) ** 2).sum(-1) / v1 - d + d * torch.log(v1 / v0))


def ddpm_prior_kl(x0, betas):
    abar_T = torch.prod(1 - betas)
    mean_T = abar_T.sqrt() * x0
    var_T = (1 - abar_T) * torch.ones(x0.shape[0], dtype=x0.dtype)
    # L_T compares the prior N(0, I) with the forward marginal q(x_T | x_0)
    return _kl_isotropic(torch.zeros_like(x0), torch.ones_like(var_T), mean_T, var_T)


def implicit_score_matching_loss(score_model, x):
    losses = []
    for n in range(x.shape[0]):
        xn = x[n:n + 1].detach().requires_grad_(True)
        with torch.enable_grad():
            s = score_model(xn)[0]
            tr = 0.0
            for i in range(x.shape[1]):
                tr = tr + torch.autograd.grad(s[i], xn, retain_graph=True, create_graph=True)[0][0, i]
        losses.append(tr + 0.5 * (s ** 2).sum())
    return torch.stack(losses).mean()


def denoising_score_matching_loss(score_model, x, sigma, noise):
    sigma = torch.as_tensor(sigma, dtype=x.dtype)
    if sigma.ndim == 1:
        sigma = sigma[:, None]
    r = score_model(x + sigma * noise) + noise / sigma
    return (r ** 2).sum(-1).mean() / 2
