# Homework 3
# Erwin Schroedinger
import torch


def ddpm_q_sample(x0, t, betas, noise):
    abar = torch.cumprod(1 - betas, dim=0)
    c = abar[t - 1].unsqueeze(-1)
    return c.sqrt() * x0 + (1 - c).sqrt() * noise


def posterior_mean_from_eps(x_t, eps, t, betas):
    abar = torch.cumprod(1 - betas, dim=0)
    beta_t = betas[t - 1].unsqueeze(-1)
    abar_t = abar[t - 1].unsqueeze(-1)
    return (x_t - beta_t / (1 - abar_t).sqrt() * eps) / (1 - beta_t).sqrt()


def ddpm_eps_loss_weight(t, betas, sigma2):
    # L_{t-1} = 1/(2 sigma_t^2) ||mu~ - mu_theta||^2
    #         = beta_t^2 / (sigma_t^2 alpha_t (1 - abar_t)) ||eps - eps_theta||^2
    abar = torch.cumprod(1 - betas, dim=0)
    beta_t = betas[t - 1]
    return beta_t ** 2 / (sigma2[t - 1] * (1 - beta_t) * (1 - abar[t - 1]))


def ddpm_prior_kl(x0, betas):
    abar_T = torch.cumprod(1 - betas, dim=0)[-1]
    d = x0.shape[-1]
    v = 1 - abar_T
    return 0.5 * (abar_T * (x0 * x0).sum(-1) + d * v - d) - 0.5 * d * torch.log(v)


def implicit_score_matching_loss(score_model, x):
    # the model acts row by row, so the Jacobian of sum_n s(x_n) w.r.t. x
    # holds each sample's d x d Jacobian: J[i, n, j] = d s_i(x_n) / d x_nj
    J = torch.autograd.functional.jacobian(lambda v: score_model(v).sum(0), x, create_graph=True)
    tr = torch.stack([J[i, :, i] for i in range(x.shape[1])]).sum(0)
    s = score_model(x)
    return (tr + 0.5 * (s ** 2).sum(-1)).mean()


def denoising_score_matching_loss(score_model, x, sigma, noise):
    sigma = torch.as_tensor(sigma, dtype=x.dtype)
    if sigma.dim() == 1:
        sigma = sigma[:, None]
    diff = score_model(x + sigma * noise) + noise / sigma
    return 0.5 * (diff ** 2).sum(-1).mean()
