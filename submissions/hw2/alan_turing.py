# HW2 - Alan Turing
import torch
import math


def ddpm_posterior(x_t, x0, betas, t):
    alphas = 1 - betas
    alpha_bar = torch.cumprod(alphas, 0)
    a_t = alphas[t - 1]
    ab_t = alpha_bar[t - 1]
    ab_prev = alpha_bar[t - 2] if t >= 2 else torch.tensor(1.0, dtype=betas.dtype)

    mean = (torch.sqrt(ab_prev) * betas[t - 1] / (1 - ab_t)) * x0 \
        + (torch.sqrt(a_t) * (1 - ab_prev) / (1 - ab_t)) * x_t
    # variance of the reverse step
    var = betas[t - 1]
    return mean, var


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    b = betas[t - 1]
    return (x_t + b * score) / torch.sqrt(1 - b)


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    alpha_t = torch.as_tensor(alpha_t, dtype=torch.float64)
    alpha_next = torch.as_tensor(alpha_next, dtype=torch.float64)
    sigma_next = torch.as_tensor(sigma_next, dtype=torch.float64)
    mean = torch.sqrt(alpha_t) * x0 + torch.sqrt(1 - alpha_t - sigma_next ** 2) / torch.sqrt(1 - alpha_next) * (
        x_next - torch.sqrt(alpha_next) * x0)
    return mean + sigma_next * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = len(alphas)
    xs = [None] * T
    xs[T - 1] = torch.sqrt(alphas[T - 1]) * x0 + torch.sqrt(1 - alphas[T - 1]) * noise[T - 1]
    for t in range(T - 1, 0, -1):
        xs[t - 1] = ddim_step(xs[t], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return torch.stack(xs)


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = len(alphas)
    x = x_T.clone()
    for t in range(T, 1, -1):
        e = eps_model(x, t)
        x0_hat = (x - torch.sqrt(1 - alphas[t - 1]) * e) / torch.sqrt(alphas[t - 1])
        x = torch.sqrt(alphas[t - 2]) * x0_hat + torch.sqrt(1 - alphas[t - 2] - sigmas[t - 1] ** 2) * e \
            + sigmas[t - 1] * noise[t - 1]
    # final prediction at t = 1
    e = eps_model(x, 1)
    return (x - torch.sqrt(1 - alphas[0]) * e) / torch.sqrt(alphas[0])


def ou_coefficients(t):
    return torch.exp(-t / 2), torch.sqrt(1 - torch.exp(-t))


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma, sigma = ou_coefficients(t)
    xt = gamma * x0 + sigma * eps
    return (lam / sigma ** 2 * (eps_model(xt, t) - eps) ** 2).mean()


def reverse_ode_drift(x, t, score):
    return -0.5 * (x + score)


def _heads(Q, K, V, params):
    W_Q, W_K, W_V = params["W_Q"], params["W_K"], params["W_V"]
    d_attn = W_Q.shape[2]
    outs = []
    for h in range(W_Q.shape[0]):
        att = torch.softmax((Q @ W_Q[h]) @ (K @ W_K[h]).T / math.sqrt(d_attn), dim=1)
        outs.append(att @ (V @ W_V[h]))
    return outs


def mha1(Q, K, V, params):
    return torch.cat(_heads(Q, K, V, params), dim=1) @ params["W_O"]


def mha2(Q, K, V, params):
    return sum(_heads(Q, K, V, params))


def mha1_to_mha2(params):
    H, d_V, d_head = params["W_V"].shape
    W_V_new = torch.stack([params["W_V"][h] @ params["W_O"][h * d_head:(h + 1) * d_head] for h in range(H)])
    return {"W_Q": params["W_Q"], "W_K": params["W_K"], "W_V": W_V_new}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    qk = H * (d_Q + d_K) * d_attn
    return qk + H * d_V * d_head + H * d_head * d_out, qk + H * d_V * d_out
