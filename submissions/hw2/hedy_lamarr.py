# Hedy Lamarr -- Homework 2
import math
import torch


def ddpm_posterior(x_t, x0, betas, t):
    alpha_bars = torch.cumprod(1 - betas, dim=0)
    alpha_bars = torch.cat([torch.tensor([1.0], dtype=betas.dtype), alpha_bars])   # index = time
    beta_t = betas[t - 1]
    denom = 1 - alpha_bars[t]
    mean = (alpha_bars[t - 1] ** 0.5 * beta_t / denom) * x0 \
        + ((1 - beta_t) ** 0.5 * (1 - alpha_bars[t - 1]) / denom) * x_t
    var = (1 - alpha_bars[t - 1]) / denom * beta_t
    return mean, var


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta_t = betas[t - 1]
    return (x_t + beta_t * score) / (1 - beta_t) ** 0.5


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    alpha_t, alpha_next, sigma_next = float(alpha_t), float(alpha_next), float(sigma_next)
    pred_eps = (x_next - alpha_next ** 0.5 * x0) / (1 - alpha_next) ** 0.5
    return alpha_t ** 0.5 * x0 + (1 - alpha_t - sigma_next ** 2) ** 0.5 * pred_eps + sigma_next * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = len(alphas)
    out = torch.zeros(T, *x0.shape, dtype=x0.dtype)
    out[T - 1] = alphas[T - 1] ** 0.5 * x0 + (1 - alphas[T - 1]) ** 0.5 * noise[T - 1]
    for t in range(T - 1, 0, -1):
        out[t - 1] = ddim_step(out[t], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return out


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = len(alphas)
    x_t = x_T
    for t in range(T, 1, -1):
        eps = eps_model(x_t, t)
        x0_pred = (x_t - (1 - alphas[t - 1]) ** 0.5 * eps) / alphas[t - 1] ** 0.5
        x_t = alphas[t - 2] ** 0.5 * x0_pred + (1 - alphas[t - 2] - sigmas[t - 1] ** 2) ** 0.5 * eps \
            + sigmas[t - 1] * noise[t - 1]
    eps = eps_model(x_t, 1)
    return (x_t - (1 - alphas[0]) ** 0.5 * eps) / alphas[0] ** 0.5


def ou_coefficients(t):
    # X_t | X_0 ~ N(gamma_t X_0, sigma_t^2)
    gamma_t = torch.exp(-t)
    sigma_t = torch.sqrt(1 - torch.exp(-t))
    return gamma_t, sigma_t


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma_t, sigma_t = ou_coefficients(t)
    x_t = gamma_t * x0 + sigma_t * eps
    sq_err = (eps_model(x_t, t) - eps) ** 2
    return (lam * sq_err / sigma_t ** 2).mean()


def reverse_ode_drift(x, t, score):
    return -x / 2 - score / 2


def mha1(Q, K, V, params):
    W_Q, W_K, W_V, W_O = params["W_Q"], params["W_K"], params["W_V"], params["W_O"]
    H, _, d_attn = W_Q.shape
    q = torch.stack([Q @ W_Q[h] for h in range(H)])     # H, L, d_attn
    k = torch.stack([K @ W_K[h] for h in range(H)])
    v = torch.stack([V @ W_V[h] for h in range(H)])     # H, L, d_head
    att = torch.softmax(torch.bmm(q, k.transpose(1, 2)) / math.sqrt(d_attn), dim=2)
    heads = torch.bmm(att, v)
    return torch.cat(list(heads), dim=1) @ W_O


def mha2(Q, K, V, params):
    W_Q, W_K, W_V = params["W_Q"], params["W_K"], params["W_V"]
    H, _, d_attn = W_Q.shape
    q = torch.stack([Q @ W_Q[h] for h in range(H)])
    k = torch.stack([K @ W_K[h] for h in range(H)])
    v = torch.stack([V @ W_V[h] for h in range(H)])     # H, L, d_out
    att = torch.softmax(torch.bmm(q, k.transpose(1, 2)) / math.sqrt(d_attn), dim=2)
    return torch.bmm(att, v).sum(dim=0)


def mha1_to_mha2(params):
    out = {key: val.clone() for key, val in params.items()}
    H, _, d_head = params["W_V"].shape
    out["W_V"] = torch.stack([params["W_V"][h] @ params["W_O"][h * d_head:(h + 1) * d_head] for h in range(H)])
    return out


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    W_O_size = H * d_head * d_out
    return H * (d_Q + d_K) * d_attn + H * d_V * d_head + W_O_size, H * (d_Q + d_K) * d_attn + H * d_V * d_out
