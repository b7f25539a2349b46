# HW3 -- Richard Feynman
import torch


def ddpm_q_sample(x0, t, betas, noise):
    alpha_bar = torch.cumprod(1.0 - betas, dim=0)
    ab = alpha_bar[t - 1].reshape(-1, 1)
    return torch.sqrt(ab) * x0 + torch.sqrt(1.0 - ab) * noise


def posterior_mean_from_eps(x_t, eps, t, betas):
    alpha_bar = torch.cumprod(1.0 - betas, dim=0)
    b = betas[t - 1].reshape(-1, 1)
    ab = alpha_bar[t - 1].reshape(-1, 1)
    return (x_t - b / torch.sqrt(1.0 - ab) * eps) / torch.sqrt(1.0 - b)


def ddpm_eps_loss_weight(t, betas, sigma2):
    alpha_bar = torch.cumprod(1.0 - betas, dim=0)
    b = betas[t - 1]
    return b * b / (2.0 * sigma2[t - 1] * (1.0 - b) * (1.0 - alpha_bar[t - 1]))


def ddpm_prior_kl(x0, betas):
    abar_T = torch.cumprod(1.0 - betas, dim=0)[-1]
    d = x0.shape[1]
    v = 1.0 - abar_T
    return 0.5 * (d * v + abar_T * torch.sum(x0 ** 2, dim=1) - d - d * torch.log(v))


def implicit_score_matching_loss(score_model, x):
    with torch.enable_grad():
        xx = x.detach().clone().requires_grad_(True)
        s = score_model(xx)
        trace = torch.zeros(x.shape[0], dtype=x.dtype)
        for i in range(x.shape[1]):
            e = torch.zeros_like(s)
            e[:, i] = 1.0
            trace = trace + (torch.autograd.grad(s, xx, grad_outputs=e, create_graph=True)[0] * e).sum(1)
        return (trace + 0.5 * (s ** 2).sum(1)).mean()


def denoising_score_matching_loss(score_model, x, sigma, noise):
    # grad log q(x~ | x) = (x~ - x) / sigma^2 = noise / sigma
    sigma = torch.as_tensor(sigma, dtype=x.dtype)
    if sigma.dim() == 1:
        sigma = sigma.unsqueeze(-1)
    x_tilde = x + sigma * noise
    return 0.5 * ((score_model(x_tilde) - noise / sigma) ** 2).sum(1).mean()
