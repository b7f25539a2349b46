"""Correct hw2 in the style of lucidrains/denoising-diffusion-pytorch (GaussianDiffusion).

Conventions used:
- schedule buffers precomputed and kept in float32: alphas_cumprod = cumprod(1 - betas.float()),
  alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.), posterior_variance,
  posterior_mean_coef1/2, sqrt_recip_alphas; results cast back to the input dtype;
- extract(a, t, x_shape) gather helper; the contract's 1-indexed t becomes index t - 1;
- DDIM sampler written like GaussianDiffusion.ddim_sample (pred_noise, x_start, c, sigma);
- dsm loss with F.mse_loss(reduction='none') and the mean accumulated in float32;
- attention with torch.einsum ('b h i d, b h j d -> b h i j') and einops-free rearranges.
mistake: none
"""

import math

import torch
import torch.nn.functional as F


def extract(a, t, x_shape):
    b, *_ = t.shape
    out = a.gather(-1, t)
    return out.reshape(b, *((1,) * (len(x_shape) - 1)))


class _Schedule:
    """The buffers GaussianDiffusion registers, in float32."""

    def __init__(self, betas):
        betas = betas.float()
        alphas = 1. - betas
        alphas_cumprod = torch.cumprod(alphas, dim=0)
        alphas_cumprod_prev = F.pad(alphas_cumprod[:-1], (1, 0), value=1.)
        self.betas = betas
        self.alphas_cumprod = alphas_cumprod
        self.alphas_cumprod_prev = alphas_cumprod_prev
        self.sqrt_recip_alphas = torch.sqrt(1. / alphas)
        self.posterior_variance = betas * (1. - alphas_cumprod_prev) / (1. - alphas_cumprod)
        self.posterior_mean_coef1 = betas * torch.sqrt(alphas_cumprod_prev) / (1. - alphas_cumprod)
        self.posterior_mean_coef2 = (1. - alphas_cumprod_prev) * torch.sqrt(alphas) / (1. - alphas_cumprod)


def _index(t, n):
    """Contract time t (1..T) -> 0-indexed buffer index, one per batch row."""
    return torch.full((n,), int(t) - 1, dtype=torch.long)


def ddpm_posterior(x_t, x0, betas, t):
    sched = _Schedule(betas)
    idx = _index(t, x_t.shape[0])
    posterior_mean = (extract(sched.posterior_mean_coef1, idx, x_t.shape) * x0
                      + extract(sched.posterior_mean_coef2, idx, x_t.shape) * x_t)
    posterior_variance = sched.posterior_variance[int(t) - 1]
    return posterior_mean.to(x_t.dtype), posterior_variance.to(x_t.dtype)


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    sched = _Schedule(betas)
    idx = _index(t, x_t.shape[0])
    mean = extract(sched.sqrt_recip_alphas, idx, x_t.shape) * (
        x_t + extract(sched.betas, idx, x_t.shape) * score)
    return mean.to(x_t.dtype)


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    alpha_t = torch.as_tensor(alpha_t, dtype=x0.dtype)
    alpha_next = torch.as_tensor(alpha_next, dtype=x0.dtype)
    sigma_next = torch.as_tensor(sigma_next, dtype=x0.dtype)
    c = (1 - alpha_t - sigma_next ** 2).clamp(min=0.).sqrt()
    direction = (x_next - alpha_next.sqrt() * x0) / (1 - alpha_next).sqrt()
    return alpha_t.sqrt() * x0 + c * direction + sigma_next * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    xs = [None] * T
    xs[T - 1] = alphas[T - 1].sqrt() * x0 + (1 - alphas[T - 1]).sqrt() * noise[T - 1]
    for t in range(T - 1, 0, -1):
        xs[t - 1] = ddim_step(xs[t], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return torch.stack(xs, dim=0)


@torch.no_grad()
def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    img = x_T
    x_start = None
    for time in range(T, 0, -1):
        alpha = alphas[time - 1]
        pred_noise = eps_model(img, time)
        x_start = (img - (1 - alpha).sqrt() * pred_noise) / alpha.sqrt()
        if time == 1:
            break
        alpha_next = alphas[time - 2]
        sigma = sigmas[time - 1]
        c = (1 - alpha_next - sigma ** 2).clamp(min=0.).sqrt()
        img = x_start * alpha_next.sqrt() + c * pred_noise + sigma * noise[time - 1]
    return x_start


def ou_coefficients(t):
    t = torch.as_tensor(t)
    gamma = torch.exp(-t / 2)
    sigma = torch.sqrt(-torch.expm1(-t))
    return gamma, sigma


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma, sigma = ou_coefficients(t)
    x_t = gamma * x0 + sigma * eps
    model_out = eps_model(x_t, t)
    loss = F.mse_loss(model_out, eps, reduction='none')
    loss = loss * lam / sigma ** 2
    return loss.float().mean().to(x0.dtype)


def reverse_ode_drift(x, t, score):
    return -0.5 * x - 0.5 * score


# -- attention (lucidrains' Attention.forward with einsum) ------------------------------------------
def _heads(Q, K, V, params):
    q = torch.einsum('i d, h d a -> h i a', Q, params['W_Q'])
    k = torch.einsum('j d, h d a -> h j a', K, params['W_K'])
    v = torch.einsum('j d, h d e -> h j e', V, params['W_V'])
    scale = q.shape[-1] ** -0.5
    sim = torch.einsum('h i a, h j a -> h i j', q * scale, k)
    attn = sim.softmax(dim=-1)
    return torch.einsum('h i j, h j e -> h i e', attn, v)


def mha1(Q, K, V, params):
    out = _heads(Q, K, V, params)                      # h n d
    h, n, d = out.shape
    out = out.permute(1, 0, 2).reshape(n, h * d)        # 'h n d -> n (h d)'
    return out @ params['W_O']


def mha2(Q, K, V, params):
    return _heads(Q, K, V, params).sum(dim=0)


def mha1_to_mha2(params):
    W_V, W_O = params['W_V'], params['W_O']
    H, _, d_head = W_V.shape
    W_O_heads = W_O.reshape(H, d_head, W_O.shape[-1])
    return {'W_Q': params['W_Q'].clone(), 'W_K': params['W_K'].clone(),
            'W_V': torch.einsum('h v e, h e o -> h v o', W_V, W_O_heads)}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    qk = H * (d_Q * d_attn + d_K * d_attn)
    mha1_count = qk + H * d_V * d_head + H * d_head * d_out
    mha2_count = qk + H * d_V * d_out
    return int(mha1_count), int(mha2_count)
