"""
HW2 solutions -- Pierre-Simon Laplace
"""
import math
import torch


# -- Problem 1 ----------------------------------------------------------------

def _abar_pair(betas, t):
    """(abar_t, abar_{t-1}) with abar_0 = 1."""
    abar = torch.cumprod(1.0 - betas, dim=0)
    abar_t = abar[t - 1]
    abar_tm1 = abar[t - 2] if t >= 2 else torch.ones_like(abar_t)
    return abar_t, abar_tm1


def ddpm_posterior(x_t, x0, betas, t):
    abar_t, abar_tm1 = _abar_pair(betas, t)
    beta_t = betas[t - 1]
    mean = (torch.sqrt(abar_tm1) * beta_t * x0 + torch.sqrt(1.0 - beta_t) * (1.0 - abar_tm1) * x_t) / (1.0 - abar_t)
    var = (1.0 - abar_tm1) * beta_t / (1.0 - abar_t)
    return mean, var


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta_t = betas[t - 1]
    return (x_t + beta_t * score) / torch.sqrt(1.0 - beta_t)


# -- Problem 2 ----------------------------------------------------------------

def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    at = torch.as_tensor(alpha_t, dtype=x0.dtype)
    an = torch.as_tensor(alpha_next, dtype=x0.dtype)
    sn = torch.as_tensor(sigma_next, dtype=x0.dtype)
    return (torch.sqrt(at) * x0
            + torch.sqrt(1.0 - at - sn * sn) / torch.sqrt(1.0 - an) * (x_next - torch.sqrt(an) * x0)
            + sn * noise)


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    xs = [torch.sqrt(alphas[-1]) * x0 + torch.sqrt(1.0 - alphas[-1]) * noise[-1]]     # X_T
    for t in range(T - 1, 0, -1):
        xs.insert(0, ddim_step(xs[0], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1]))
    return torch.stack(xs, dim=0)


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    x0_hat = None
    for t in range(T, 0, -1):
        e = eps_model(x, t)
        x0_hat = (x - torch.sqrt(1.0 - alphas[t - 1]) * e) / torch.sqrt(alphas[t - 1])
        if t > 1:
            x = (torch.sqrt(alphas[t - 2]) * x0_hat
                 + torch.sqrt(1.0 - alphas[t - 2] - sigmas[t - 1] ** 2) * e
                 + sigmas[t - 1] * noise[t - 1])
    return x0_hat


# -- Problem 3 ----------------------------------------------------------------

def ou_coefficients(t):
    return torch.exp(-0.5 * t), torch.sqrt(1.0 - torch.exp(-t))


def dsm_loss(eps_model, x0, t, eps, lam):
    g, s = ou_coefficients(t)
    pred = eps_model(g * x0 + s * eps, t)
    return torch.mean(lam * (pred - eps) ** 2 / s ** 2)


def reverse_ode_drift(x, t, score):
    return -0.5 * (x + score)


# -- Problem 4 ----------------------------------------------------------------

def attention(q, k, v):
    """softmax(q k^T / sqrt(d)) v"""
    logits = q @ k.T / math.sqrt(q.shape[-1])
    weights = torch.softmax(logits, dim=0)
    return weights @ v


def mha1(Q, K, V, params):
    heads = []
    for WQ, WK, WV in zip(params["W_Q"], params["W_K"], params["W_V"]):
        heads.append(attention(Q @ WQ, K @ WK, V @ WV))
    return torch.cat(heads, dim=1) @ params["W_O"]


def mha2(Q, K, V, params):
    out = 0.0
    for WQ, WK, WV in zip(params["W_Q"], params["W_K"], params["W_V"]):
        out = out + attention(Q @ WQ, K @ WK, V @ WV)
    return out


def mha1_to_mha2(params):
    d_head = params["W_V"].shape[2]
    WO_blocks = params["W_O"].split(d_head, dim=0)
    new_WV = torch.stack([WV @ WO for WV, WO in zip(params["W_V"], WO_blocks)])
    return {"W_Q": params["W_Q"], "W_K": params["W_K"], "W_V": new_WV}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    shared = H * (d_Q * d_attn + d_K * d_attn)
    return shared + H * d_V * d_head + H * d_head * d_out, shared + H * d_V * d_out
