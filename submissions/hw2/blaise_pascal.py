"""
Blaise Pascal -- homework 2
"""
import math
import numpy as np
import torch


def cumulative_alphas(betas):
    # alpha_bar[i] = prod_{s=1}^{i+1} (1 - beta_s)
    return torch.cumprod(1.0 - betas, dim=0)


def ddpm_posterior(x_t, x0, betas, t):
    abar = cumulative_alphas(betas)
    beta_t = betas[t - 1]
    abar_t = abar[t - 1]
    if t > 1:
        abar_prev = abar[t - 1]
    else:
        abar_prev = torch.tensor(1.0, dtype=betas.dtype)

    mean = (abar_prev.sqrt() * beta_t / (1 - abar_t)) * x0 \
        + ((1 - beta_t).sqrt() * (1 - abar_prev) / (1 - abar_t)) * x_t

    # beta tilde straight from problem 1's formula
    num = 1 - torch.prod(1 - betas[:t - 1])
    den = 1 - torch.prod(1 - betas[:t])
    var = num / den * beta_t
    return mean, var


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta_t = betas[t - 1]
    return (x_t + beta_t * score) / math.sqrt(1 - float(beta_t))


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    a, an, s = float(alpha_t), float(alpha_next), float(sigma_next)
    c = np.sqrt(1 - a - s ** 2) / np.sqrt(1 - an)
    return np.sqrt(a) * x0 + c * (x_next - np.sqrt(an) * x0) + s * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    X = torch.zeros(T, *x0.shape, dtype=x0.dtype)
    X[-1] = alphas[-1].sqrt() * x0 + (1 - alphas[-1]).sqrt() * noise[-1]
    for t in reversed(range(1, T)):
        X[t - 1] = ddim_step(X[t], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return X


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    t = T
    while True:
        e = eps_model(x, t)
        x0_hat = (x - (1 - alphas[t - 1]).sqrt() * e) / alphas[t - 1].sqrt()
        if t == 1:
            break
        a_prev, sig = alphas[t - 2], sigmas[t - 1]
        x = a_prev.sqrt() * x0_hat + (1 - a_prev - sig ** 2).sqrt() * e + sig * noise[t - 1]
        t -= 1
    return x0_hat


def ou_coefficients(t):
    gamma_t = torch.exp(-t / 2)
    sigma_t = (1 - torch.exp(-t)).sqrt()
    return gamma_t, sigma_t


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma_t, sigma_t = ou_coefficients(t)
    noisy = gamma_t * x0 + sigma_t * eps
    err = eps_model(noisy, t) - eps
    weights = lam / sigma_t.pow(2)
    return torch.mean(weights * err.pow(2))


def reverse_ode_drift(x, t, score):
    f = -x / 2
    g = 1.0
    return f - 0.5 * g ** 2 * score


def attention(q, k, v):
    d = q.shape[-1]
    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)
    return w @ v


def mha1(Q, K, V, params):
    H = params["W_Q"].shape[0]
    heads = [attention(Q @ params["W_Q"][h], K @ params["W_K"][h], V @ params["W_V"][h]) for h in range(H)]
    return torch.cat(heads, dim=-1) @ params["W_O"]


def mha2(Q, K, V, params):
    H = params["W_Q"].shape[0]
    out = 0
    for h in range(H):
        out = out + attention(Q @ params["W_Q"][h], K @ params["W_K"][h], V @ params["W_V"][h])
    return out


def mha1_to_mha2(params):
    p = dict(params)
    H, _, dh = params["W_V"].shape
    p["W_V"] = torch.stack([params["W_V"][h] @ params["W_O"][h * dh:(h + 1) * dh] for h in range(H)])
    del p["W_O"]
    return p


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    mha1_params = H * (d_Q * d_attn + d_K * d_attn + d_V * d_head) + H * d_head * d_out
    mha2_params = H * (d_Q * d_attn + d_K * d_attn + d_V * d_out)
    return mha1_params, mha2_params
