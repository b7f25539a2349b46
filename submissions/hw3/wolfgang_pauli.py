"""Homework 3 (Wolfgang Pauli)"""
import torch


def _abar(betas):
    return torch.cumprod(1 - betas, 0)


def ddpm_q_sample(x0, t, betas, noise):
    ab = _abar(betas)[t - 1][:, None]
    return torch.sqrt(ab) * x0 + torch.sqrt(1 - ab) * noise


def posterior_mean_from_eps(x_t, eps, t, betas):
    # mu = 1/sqrt(abar_t) * (x_t - beta_t / sqrt(1 - abar_t) * eps)
    ab = _abar(betas)[t - 1][:, None]
    beta = betas[t - 1][:, None]
    return (x_t - beta / torch.sqrt(1 - ab) * eps) / torch.sqrt(ab)


def ddpm_eps_loss_weight(t, betas, sigma2):
    ab = _abar(betas)[t - 1]
    beta = betas[t - 1]
    return beta ** 2 / (2 * sigma2[t - 1] * (1 - beta) * (1 - ab))


def ddpm_prior_kl(x0, betas):
    ab_T = _abar(betas)[-1]
    d = x0.shape[1]
    return 0.5 * (ab_T * (x0 ** 2).sum(1) + d * (1 - ab_T) - d - d * torch.log(1 - ab_T))


def implicit_score_matching_loss(score_model, x):
    N, d = x.shape
    with torch.enable_grad():
        xr = x.detach().requires_grad_(True)
        s = score_model(xr)
        div = sum(torch.autograd.grad(s[:, j].sum(), xr, create_graph=True)[0][:, j] for j in range(d))
        return torch.mean(div + 0.5 * (s * s).sum(1))


def denoising_score_matching_loss(score_model, x, sigma, noise):
    sigma = torch.as_tensor(sigma, dtype=x.dtype)
    if sigma.ndim == 1:
        sigma = sigma.unsqueeze(1)
    s = score_model(x + sigma * noise)
    return torch.mean(0.5 * torch.sum((s + noise / sigma) ** 2, 1))
