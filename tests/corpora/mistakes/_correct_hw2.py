"""Correct hw2 solutions, used as a control for the mistakes corpus.

mistake: none
source: 000_ff2b2f8a8d165fc7.txt, problems 1-4
"""
import math

import torch


def _abar(betas, t):
    """abar_t = prod_{s<=t} (1 - beta_s), abar_0 = 1 (1-indexed t)."""
    return torch.prod(1.0 - betas[:t])


def ddpm_posterior(x_t, x0, betas, t):
    beta_t = betas[t - 1]
    alpha_t = 1.0 - beta_t
    abar_t = _abar(betas, t)
    abar_prev = _abar(betas, t - 1)
    coef_x0 = torch.sqrt(abar_prev) * beta_t / (1.0 - abar_t)
    coef_xt = torch.sqrt(alpha_t) * (1.0 - abar_prev) / (1.0 - abar_t)
    mean = coef_x0 * x0 + coef_xt * x_t
    var = (1.0 - abar_prev) / (1.0 - abar_t) * beta_t
    return mean, var


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta_t = betas[t - 1]
    return (x_t + beta_t * score) / torch.sqrt(1.0 - beta_t)


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    alpha_t = torch.as_tensor(alpha_t, dtype=torch.float64)
    alpha_next = torch.as_tensor(alpha_next, dtype=torch.float64)
    sigma_next = torch.as_tensor(sigma_next, dtype=torch.float64)
    dir_coef = torch.sqrt(1.0 - alpha_t - sigma_next ** 2) / torch.sqrt(1.0 - alpha_next)
    return (torch.sqrt(alpha_t) * x0
            + dir_coef * (x_next - torch.sqrt(alpha_next) * x0)
            + sigma_next * noise)


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    out = [None] * T
    x = torch.sqrt(alphas[T - 1]) * x0 + torch.sqrt(1.0 - alphas[T - 1]) * noise[T - 1]
    out[T - 1] = x
    for t in range(T - 1, 0, -1):
        x = ddim_step(x, x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
        out[t - 1] = x
    return torch.stack(out)


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    for t in range(T, 1, -1):
        a_t = alphas[t - 1]
        a_prev = alphas[t - 2]
        s_t = sigmas[t - 1]
        e = eps_model(x, t)
        x0_hat = (x - torch.sqrt(1.0 - a_t) * e) / torch.sqrt(a_t)
        x = (torch.sqrt(a_prev) * x0_hat
             + torch.sqrt(1.0 - a_prev - s_t ** 2) * e
             + s_t * noise[t - 1])
    e = eps_model(x, 1)
    return (x - torch.sqrt(1.0 - alphas[0]) * e) / torch.sqrt(alphas[0])


def ou_coefficients(t):
    gamma = torch.exp(-t / 2)
    sigma = torch.sqrt(1.0 - torch.exp(-t))
    return gamma, sigma


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma = torch.exp(-t / 2)
    sigma2 = 1.0 - torch.exp(-t)
    x_t = gamma * x0 + torch.sqrt(sigma2) * eps
    return torch.mean(lam / sigma2 * (eps_model(x_t, t) - eps) ** 2)


def reverse_ode_drift(x, t, score):
    return -x / 2 - score / 2


def mha1(Q, K, V, params):
    W_Q, W_K, W_V, W_O = params["W_Q"], params["W_K"], params["W_V"], params["W_O"]
    H, _, d_attn = W_Q.shape
    heads = []
    for h in range(H):
        q = Q @ W_Q[h]
        k = K @ W_K[h]
        v = V @ W_V[h]
        att = torch.softmax(q @ k.T / math.sqrt(d_attn), dim=-1)
        heads.append(att @ v)
    return torch.cat(heads, dim=-1) @ W_O


def mha2(Q, K, V, params):
    W_Q, W_K, W_V = params["W_Q"], params["W_K"], params["W_V"]
    H, _, d_attn = W_Q.shape
    out = 0
    for h in range(H):
        att = torch.softmax((Q @ W_Q[h]) @ (K @ W_K[h]).T / math.sqrt(d_attn), dim=-1)
        out = out + att @ (V @ W_V[h])
    return out


def mha1_to_mha2(params):
    W_V, W_O = params["W_V"], params["W_O"]
    H, _, d_head = W_V.shape
    new_WV = torch.stack([W_V[h] @ W_O[h * d_head:(h + 1) * d_head] for h in range(H)])
    return {"W_Q": params["W_Q"].clone(), "W_K": params["W_K"].clone(), "W_V": new_WV}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    qk = H * (d_Q * d_attn + d_K * d_attn)
    mha1_count = qk + H * d_V * d_head + H * d_head * d_out
    mha2_count = qk + H * d_V * d_out
    return int(mha1_count), int(mha2_count)
