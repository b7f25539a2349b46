# HW3 - Max Planck
import torch
import torch.nn.functional as F


def _coefs(betas):
    alphas = 1.0 - betas
    alphas_cumprod = torch.cumprod(alphas, dim=0)
    alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.0)
    return alphas, alphas_cumprod, alphas_cumprod_prev


def ddpm_q_sample(x0, t, betas, noise):
    _, _, alphas_cumprod_prev = _coefs(betas)
    idx = torch.as_tensor(t).long() - 1
    a = alphas_cumprod_prev[idx].view(-1, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def posterior_mean_from_eps(x_t, eps, t, betas):
    alphas, alphas_cumprod, _ = _coefs(betas)
    idx = torch.as_tensor(t).long() - 1
    b = betas[idx].view(-1, 1)
    a = alphas[idx].view(-1, 1)
    ab = alphas_cumprod[idx].view(-1, 1)
    return (x_t - b / (1 - ab).sqrt() * eps) / a.sqrt()


def ddpm_eps_loss_weight(t, betas, sigma2):
    alphas, alphas_cumprod, _ = _coefs(betas)
    idx = torch.as_tensor(t).long() - 1
    return betas[idx] ** 2 / (2 * sigma2[idx] * alphas[idx] * (1 - alphas_cumprod[idx]))


def ddpm_prior_kl(x0, betas):
    _, alphas_cumprod, _ = _coefs(betas)
    abar = alphas_cumprod[-1]
    d = x0.shape[1]
    mu = abar.sqrt() * x0
    var = 1 - abar
    return 0.5 * ((mu ** 2).sum(1) + d * var - d - d * torch.log(var))


def implicit_score_matching_loss(score_model, x):
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        s = score_model(x)
        tr = 0
        for i in range(x.shape[1]):
            tr = tr + torch.autograd.grad(s[:, i].sum(), x, create_graph=True)[0][:, i]
        loss = tr + 0.5 * (s ** 2).sum(1)
    return loss.mean()


def denoising_score_matching_loss(score_model, x, sigma, noise):
    sigma = torch.as_tensor(sigma, dtype=x.dtype)
    if sigma.ndim == 1:
        sigma = sigma.view(-1, 1)
    target = -noise / sigma
    s = score_model(x + sigma * noise)
    return 0.5 * ((s - target) ** 2).sum(1).mean()
