"""Correct hw3 in the style of lucidrains/denoising-diffusion-pytorch (GaussianDiffusion).

Conventions used:
- float32 schedule buffers: alphas_cumprod = torch.cumprod(1. - betas.float(), dim=0),
  sqrt_alphas_cumprod, sqrt_one_minus_alphas_cumprod, sqrt_recip_alphas, alphas_cumprod_prev
  via F.pad(..., (1, 0), value=1.); outputs cast back to the input dtype;
- extract(a, t, x_shape) gather helper, with the contract's 1-indexed t shifted to t - 1;
- q_sample / predict-mean written as in GaussianDiffusion (extract(...) * x_start + ...);
- prior KL as normal_kl(mean1, logvar1, mean2, logvar2) summed over the data dimension,
  evaluated in float64 from the float32 buffer (log1p for log(1 - abar_T));
- implicit score matching with an exact trace: one torch.autograd.grad per coordinate,
  create_graph=True; denoising score matching with F.mse_loss-like reductions.
mistake: none
"""

import torch
import torch.nn.functional as F


def extract(a, t, x_shape):
    b, *_ = t.shape
    out = a.gather(-1, t)
    return out.reshape(b, *((1,) * (len(x_shape) - 1)))


def _buffers(betas):
    betas = betas.float()
    alphas = 1. - betas
    alphas_cumprod = torch.cumprod(alphas, dim=0)
    alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.)
    return dict(
        betas=betas,
        alphas=alphas,
        alphas_cumprod=alphas_cumprod,
        alphas_cumprod_prev=alphas_cumprod_prev,
        sqrt_alphas_cumprod=torch.sqrt(alphas_cumprod),
        sqrt_one_minus_alphas_cumprod=torch.sqrt(1. - alphas_cumprod),
        sqrt_recip_alphas=torch.sqrt(1. / alphas),
    )


def _idx(t):
    return torch.as_tensor(t, dtype=torch.long).reshape(-1) - 1  # 1-indexed -> 0-indexed


def ddpm_q_sample(x0, t, betas, noise):
    b = _buffers(betas)
    t = _idx(t)
    out = (extract(b['sqrt_alphas_cumprod'], t, x0.shape) * x0
           + extract(b['sqrt_one_minus_alphas_cumprod'], t, x0.shape) * noise)
    return out.to(x0.dtype)


def posterior_mean_from_eps(x_t, eps, t, betas):
    b = _buffers(betas)
    t = _idx(t)
    eps_coef = extract(b['betas'] / b['sqrt_one_minus_alphas_cumprod'], t, x_t.shape)
    out = extract(b['sqrt_recip_alphas'], t, x_t.shape) * (x_t - eps_coef * eps)
    return out.to(x_t.dtype)


def ddpm_eps_loss_weight(t, betas, sigma2):
    b = _buffers(betas)
    t = _idx(t)
    sigma2 = sigma2.float()
    weight = b['betas'] ** 2 / (2 * sigma2 * b['alphas'] * (1. - b['alphas_cumprod']))
    return weight.gather(-1, t).to(betas.dtype)


def normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2)
                  + ((mean1 - mean2) ** 2) * torch.exp(-logvar2))


def ddpm_prior_kl(x0, betas):
    b = _buffers(betas)
    abar_T = b['alphas_cumprod'][-1].to(x0.dtype)
    mean = abar_T.sqrt() * x0
    logvar = torch.log1p(-abar_T) * torch.ones_like(x0)
    kl = normal_kl(mean, logvar, torch.zeros_like(x0), torch.zeros_like(x0))
    return kl.sum(dim=-1)


def implicit_score_matching_loss(score_model, x):
    x = x.detach().requires_grad_(True)
    s = score_model(x)
    trace = torch.zeros(x.shape[0], dtype=s.dtype)
    for i in range(x.shape[1]):
        trace = trace + torch.autograd.grad(s[:, i].sum(), x, create_graph=True)[0][:, i]
    return (trace + 0.5 * (s ** 2).sum(dim=1)).mean()


def denoising_score_matching_loss(score_model, x, sigma, noise):
    x_noisy = x + sigma * noise
    target = -noise / sigma
    s = score_model(x_noisy)
    loss = F.mse_loss(s, target, reduction='none').sum(dim=1) / 2
    return loss.mean()
