# HW2 -- John Nash
import math
import torch


def get_alpha_bar(betas):
    return torch.cumprod(1 - betas, dim=0)


def ddpm_posterior(x_t, x0, betas, t):
    alpha_bar = get_alpha_bar(betas)
    beta = betas[t - 1]
    alpha = 1 - beta
    ab = alpha_bar[t - 1]
    ab_prev = alpha_bar[t - 2] if t > 1 else torch.ones((), dtype=torch.float64)
    mean = math.sqrt(ab_prev) * beta / (1 - ab) * x0 + math.sqrt(alpha) * (1 - ab_prev) / (1 - ab) * x_t
    var = (1 - ab_prev) / (1 - ab) * beta
    return mean, var


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta = betas[t - 1]
    return (x_t + beta * score) / math.sqrt(1 - beta)


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    sa_t = math.sqrt(alpha_t)
    sa_n = math.sqrt(alpha_next)
    coef = math.sqrt(1 - alpha_t - sigma_next ** 2) / math.sqrt(1 - alpha_next)
    return sa_t * x0 + coef * (x_next - sa_n * x0) + sigma_next * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = len(alphas)
    out = torch.zeros((T,) + tuple(x0.shape), dtype=torch.float64)
    out[T - 1] = math.sqrt(alphas[T - 1]) * x0 + math.sqrt(1 - alphas[T - 1]) * noise[T - 1]
    for t in range(T - 1, 0, -1):
        out[t - 1] = ddim_step(out[t], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return out


def ddim_sample(eps_model, x_T, alphas, sigmas, noise)
    T = len(alphas)
    x = x_T
    for t in range(T, 0, -1):
        eps_hat = eps_model(x, t)
        x0_hat = (x - math.sqrt(1 - alphas[t - 1]) * eps_hat) / math.sqrt(alphas[t - 1])
        if t == 1:
            break
        x = (math.sqrt(alphas[t - 2]) * x0_hat
             + math.sqrt(1 - alphas[t - 2] - sigmas[t - 1] ** 2) * eps_hat
             + sigmas[t - 1] * noise[t - 1])
    return x0_hat


def ou_coefficients(t):
    return torch.exp(-t / 2), torch.sqrt(1 - torch.exp(-t))


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma, sigma = ou_coefficients(t)
    x_t = gamma * x0 + sigma * eps
    loss = lam / sigma ** 2 * (eps_model(x_t, t) - eps) ** 2
    return loss.mean()


def reverse_ode_drift(x, t, score):
    return -(x + score) / 2


def scaled_dot_attention(q, k, v):
    w = (q @ k.T) / math.sqrt(q.shape[1])
    w = torch.softmax(w, dim=1)
    return w @ v


def mha1(Q, K, V, params):
    H = params["W_Q"].shape[0]
    heads = [scaled_dot_attention(Q @ params["W_Q"][i], K @ params["W_K"][i], V @ params["W_V"][i])
             for i in range(H)]
    return torch.cat(heads, dim=1) @ params["W_O"]


def mha2(Q, K, V, params):
    H = params["W_Q"].shape[0]
    return sum(scaled_dot_attention(Q @ params["W_Q"][i], K @ params["W_K"][i], V @ params["W_V"][i])
               for i in range(H))


def mha1_to_mha2(params):
    W_V = params["W_V"]
    W_O = params["W_O"]
    d_head = W_V.shape[2]
    blocks = torch.split(W_O, d_head, dim=0)
    return {
        "W_Q": params["W_Q"],
        "W_K": params["W_K"],
        "W_V": torch.stack([W_V[i] @ blocks[i] for i in range(W_V.shape[0])]),
    }


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    mha1_n = H * d_attn * (d_Q + d_K) + H * d_V * d_head + H * d_head * d_out
    mha2_n = H * d_attn * (d_Q + d_K) + H * d_V * d_out
    return mha1_n, mha2_n
