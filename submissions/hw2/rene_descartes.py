# Rene Descartes - HW2
# cogito ergo sum (of heads)

import math
import numpy as np
import torch


def alpha_bar(betas, t):
    """abar_t, t in 0..T"""
    out = torch.tensor(1.0, dtype=torch.float64)
    for s in range(t):
        out = out * (1 - betas[s])
    return out


def ddpm_posterior(x_t, x0, betas, t):
    beta_t = betas[t - 1]
    ab_t = alpha_bar(betas, t)
    ab_tm1 = alpha_bar(betas, t - 1)
    c_x0 = torch.sqrt(ab_tm1) * beta_t / (1 - ab_t)
    c_xt = torch.sqrt(1 - beta_t) * (1 - ab_tm1) / (1 - ab_t)
    return c_x0 * x0 + c_xt * x_t, beta_t * (1 - ab_tm1) / (1 - ab_t)


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    # mu = 1/sqrt(1-beta) (x_t - beta * grad log p)
    beta_t = betas[t - 1]
    return (x_t - beta_t * score) / torch.sqrt(1 - beta_t)


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    alpha_t = torch.as_tensor(alpha_t, dtype=torch.float64)
    alpha_next = torch.as_tensor(alpha_next, dtype=torch.float64)
    sigma_next = torch.as_tensor(sigma_next, dtype=torch.float64)
    k = torch.sqrt(1 - alpha_t - sigma_next ** 2) / torch.sqrt(1 - alpha_next)
    return torch.sqrt(alpha_t) * x0 + k * (x_next - torch.sqrt(alpha_next) * x0) + sigma_next * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    result = [None] * T
    result[-1] = torch.sqrt(alphas[-1]) * x0 + torch.sqrt(1 - alphas[-1]) * noise[-1]
    for t in range(T - 1, 0, -1):
        result[t - 1] = ddim_step(result[t], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return torch.stack(result)


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    for t in range(T, 0, -1):
        eps_pred = eps_model(x, t)
        x0_pred = (x - torch.sqrt(1 - alphas[t - 1]) * eps_pred) / torch.sqrt(alphas[t - 1])
        if t == 1:
            return x0_pred
        a_prev = alphas[t - 2]
        sig = sigmas[t - 1]
        x = torch.sqrt(a_prev) * x0_pred + torch.sqrt(1 - a_prev - sig ** 2) * eps_pred + sig * noise[t - 1]


def ou_coefficients(t):
    gamma = torch.exp(-t / 2)
    sigma = torch.sqrt(1 - torch.exp(-t))
    return gamma, sigma


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma, sigma = ou_coefficients(t)
    xt = gamma * x0 + sigma * eps
    diff = eps_model(xt, t) - eps
    return torch.sum(lam / sigma ** 2 * diff ** 2) / x0.shape[0]


def reverse_ode_drift(x, t, score):
    return -x / 2 - score / 2


def mha1(Q, K, V, params):
    W_Q, W_K, W_V, W_O = (params[k] for k in ["W_Q", "W_K", "W_V", "W_O"])
    H, d_Q, d_attn = W_Q.shape
    L = Q.shape[0]
    q = torch.einsum("ld,hda->hla", Q, W_Q)
    k = torch.einsum("ld,hda->hla", K, W_K)
    v = torch.einsum("ld,hde->hle", V, W_V)
    A = torch.softmax(torch.einsum("hia,hja->hij", q, k) / np.sqrt(d_attn), dim=-1)
    heads = torch.einsum("hij,hje->ihe", A, v)        # L, H, d_head
    return heads.reshape(L, -1) @ W_O


def mha2(Q, K, V, params):
    W_Q, W_K, W_V = (params[k] for k in ["W_Q", "W_K", "W_V"])
    d_attn = W_Q.shape[-1]
    q = torch.einsum("ld,hda->hla", Q, W_Q)
    k = torch.einsum("ld,hda->hla", K, W_K)
    v = torch.einsum("ld,hdo->hlo", V, W_V)
    A = torch.softmax(torch.einsum("hia,hja->hij", q, k) / np.sqrt(d_attn), dim=-1)
    return torch.einsum("hij,hjo->io", A, v)


def mha1_to_mha2(params):
    H, d_V, d_head = params["W_V"].shape
    W_O = params["W_O"].reshape(H, d_head, -1)
    return {"W_Q": params["W_Q"], "W_K": params["W_K"],
            "W_V": torch.einsum("hve,heo->hvo", params["W_V"], W_O)}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    n_qk = H * d_attn * (d_Q + d_K)
    return int(n_qk + H * d_V * d_head + H * d_head * d_out), int(n_qk + H * d_V * d_out)
