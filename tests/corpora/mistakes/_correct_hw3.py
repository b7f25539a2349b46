"""Correct hw3 solutions, used as a control for the mistakes corpus.

mistake: none
source: 002_6fbc3b61ee2b9e4d.txt, problems 2-4
"""
import torch


def _abar_all(betas):
    return torch.cumprod(1.0 - betas, dim=0)


def ddpm_q_sample(x0, t, betas, noise):
    t = torch.as_tensor(t, dtype=torch.long)
    abar_t = _abar_all(betas)[t - 1].unsqueeze(-1)
    return torch.sqrt(abar_t) * x0 + torch.sqrt(1.0 - abar_t) * noise


def posterior_mean_from_eps(x_t, eps, t, betas):
    t = torch.as_tensor(t, dtype=torch.long)
    beta_t = betas[t - 1].unsqueeze(-1)
    abar_t = _abar_all(betas)[t - 1].unsqueeze(-1)
    return (x_t - beta_t / torch.sqrt(1.0 - abar_t) * eps) / torch.sqrt(1.0 - beta_t)


def ddpm_eps_loss_weight(t, betas, sigma2):
    t = torch.as_tensor(t, dtype=torch.long)
    beta_t = betas[t - 1]
    alpha_t = 1.0 - beta_t
    abar_t = _abar_all(betas)[t - 1]
    return beta_t ** 2 / (2.0 * sigma2[t - 1] * alpha_t * (1.0 - abar_t))


def ddpm_prior_kl(x0, betas):
    abar_T = torch.prod(1.0 - betas)
    mean = torch.sqrt(abar_T) * x0
    var = 1.0 - abar_T
    d = x0.shape[-1]
    return 0.5 * (d * var + (mean ** 2).sum(-1) - d - d * torch.log(var))


def implicit_score_matching_loss(score_model, x):
    x = x.detach().clone().requires_grad_(True)
    s = score_model(x)
    trace = torch.zeros(x.shape[0], dtype=x.dtype)
    for i in range(x.shape[1]):
        g = torch.autograd.grad(s[:, i].sum(), x, create_graph=True)[0]
        trace = trace + g[:, i]
    return (trace + 0.5 * (s ** 2).sum(-1)).mean()


def denoising_score_matching_loss(score_model, x, sigma, noise):
    s = score_model(x + sigma * noise)
    return 0.5 * ((s + noise / sigma) ** 2).sum(-1).mean()
