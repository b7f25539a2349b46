"""Homework 2 -- DDPM, DDIM, DSM near t = 0, attention.

Ada Lovelace

Everything is written with batched torch operations; time is 1-indexed as in
the problem set (betas[t-1] is beta_t).
"""
import math

import torch


# ---------------------------------------------------------------------------
# Problem 1: DDPM reverse conditional q(x_{t-1} | x_t, x_0)
# ---------------------------------------------------------------------------

def _alpha_bars(betas):
    """abar_t = prod_{s<=t} (1 - beta_s), returned for t = 1..T."""
    return torch.cumprod(1.0 - betas, dim=0)


def _abar(betas, t):
    """abar_t with the convention abar_0 = 1."""
    if t == 0:
        return torch.ones((), dtype=betas.dtype, device=betas.device)
    return _alpha_bars(betas)[t - 1]


def ddpm_posterior(x_t, x0, betas, t):
    t = int(t)
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
    beta_t = betas[int(t) - 1]
    return (x_t + beta_t * score) / torch.sqrt(1.0 - beta_t)


# ---------------------------------------------------------------------------
# Problem 2: DDIM (alphas are the cumulative alphas of the DDIM paper)
# ---------------------------------------------------------------------------

def _as_tensor(v, like):
    return torch.as_tensor(v, dtype=like.dtype, device=like.device)


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    alpha_t = _as_tensor(alpha_t, x0)
    alpha_next = _as_tensor(alpha_next, x0)
    sigma_next = _as_tensor(sigma_next, x0)

    # clamp guards against -1e-17 when sigma^2 == 1 - alpha_t exactly
    dir_coef = torch.sqrt(torch.clamp(1.0 - alpha_t - sigma_next ** 2, min=0.0)) / torch.sqrt(1.0 - alpha_next)
    return (torch.sqrt(alpha_t) * x0
            + dir_coef * (x_next - torch.sqrt(alpha_next) * x0)
            + sigma_next * noise)


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    out = torch.empty((T,) + tuple(x0.shape), dtype=x0.dtype, device=x0.device)
    out[T - 1] = torch.sqrt(alphas[T - 1]) * x0 + torch.sqrt(1.0 - alphas[T - 1]) * noise[T - 1]
    for t in range(T - 1, 0, -1):
        out[t - 1] = ddim_step(out[t], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return out


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    for t in range(T, 0, -1):
        a_t = alphas[t - 1]
        e = eps_model(x, t)
        x0_hat = (x - torch.sqrt(1.0 - a_t) * e) / torch.sqrt(a_t)
        if t == 1:
            return x0_hat
        a_prev = alphas[t - 2]
        s_t = sigmas[t - 1]
        x = (torch.sqrt(a_prev) * x0_hat
             + torch.sqrt(torch.clamp(1.0 - a_prev - s_t ** 2, min=0.0)) * e
             + s_t * noise[t - 1])
    return x  # only reached if T == 0


# ---------------------------------------------------------------------------
# Problem 3: OU process / DSM loss near t = 0
# ---------------------------------------------------------------------------

def ou_coefficients(t):
    gamma = torch.exp(-0.5 * t)
    sigma = torch.sqrt(-torch.expm1(-t))  # 1 - e^{-t}, accurate for small t
    return gamma, sigma


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma, sigma = ou_coefficients(t)
    x_t = gamma * x0 + sigma * eps
    residual = eps_model(x_t, t) - eps
    return torch.mean(lam / sigma ** 2 * residual ** 2)


def reverse_ode_drift(x, t, score):
    # f(x) - g^2/2 * score with f = -x/2, g = 1
    return -0.5 * x - 0.5 * score


# ---------------------------------------------------------------------------
# Problem 4: MHA1 vs MHA2
# ---------------------------------------------------------------------------

def _attention_weights(Q, K, W_Q, W_K):
    """softmax(Q W_Q[h] (K W_K[h])^T / sqrt(d_attn)) for all heads: [H, L, L]."""
    d_attn = W_Q.shape[-1]
    q = torch.einsum("lq,hqa->hla", Q, W_Q)
    k = torch.einsum("lk,hka->hla", K, W_K)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d_attn)
    return torch.softmax(scores, dim=-1)


def mha1(Q, K, V, params):
    W_Q, W_K, W_V, W_O = params["W_Q"], params["W_K"], params["W_V"], params["W_O"]
    H, _, d_head = W_V.shape
    A = _attention_weights(Q, K, W_Q, W_K)
    v = torch.einsum("lv,hve->hle", V, W_V)
    heads = A @ v                                  # [H, L, d_head]
    L = heads.shape[1]
    concat = heads.permute(1, 0, 2).reshape(L, H * d_head)
    return concat @ W_O


def mha2(Q, K, V, params):
    W_Q, W_K, W_V = params["W_Q"], params["W_K"], params["W_V"]
    A = _attention_weights(Q, K, W_Q, W_K)
    v = torch.einsum("lv,hvo->hlo", V, W_V)
    return (A @ v).sum(dim=0)


def mha1_to_mha2(params):
    W_V, W_O = params["W_V"], params["W_O"]
    H, _, d_head = W_V.shape
    W_O_blocks = W_O.reshape(H, d_head, W_O.shape[-1])   # block h = rows h*d_head:(h+1)*d_head
    new_params = {k: v for k, v in params.items() if k != "W_O"}
    new_params["W_V"] = W_V @ W_O_blocks
    return new_params


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    n1 = H * (d_Q * d_attn + d_K * d_attn + d_V * d_head) + H * d_head * d_out
    n2 = H * (d_Q * d_attn + d_K * d_attn + d_V * d_out)
    return n1, n2


if __name__ == "__main__":
    # 4(c): d_V = d_out = 512, d_head = 64 -> MHA2 has H*(512*512 - 2*512*64) more
    print(mha_param_counts(512, 512, 512, 64, 64, 512, 8))
