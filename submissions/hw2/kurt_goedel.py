"""HW2 (Kurt Goedel)."""
import math
import torch


def _abar(betas, t):
    # abar_t = prod_{s <= t} (1 - beta_s), abar_0 = 1
    if t <= 0:
        return torch.tensor(1.0, dtype=betas.dtype)
    return torch.prod(1 - betas[:t])


def ddpm_posterior(x_t, x0, betas, t):
    b = betas[t - 1]
    A, A_prev = _abar(betas, t), _abar(betas, t - 1)
    mean = torch.sqrt(A_prev) * b / (1 - A) * x0 + torch.sqrt(1 - b) * (1 - A_prev) / (1 - A) * x_t
    var = b * (1 - A_prev) / (1 - A)
    return mean, var


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    b = betas[t - 1]
    return (x_t + b * score) / torch.sqrt(1 - b)


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    a_t = torch.as_tensor(alpha_t, dtype=torch.float64)
    a_n = torch.as_tensor(alpha_next, dtype=torch.float64)
    s_n = torch.as_tensor(sigma_next, dtype=torch.float64)
    mu = torch.sqrt(a_t) * x0 + torch.sqrt(1 - a_t - s_n ** 2) * (x_next - torch.sqrt(a_n) * x0) / torch.sqrt(1 - a_n)
    return mu + s_n * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.shape[0]
    X = {T: torch.sqrt(alphas[T - 1]) * x0 + torch.sqrt(1 - alphas[T - 1]) * noise[T - 1]}
    for t in range(T - 1, 0, -1):
        X[t] = ddim_step(X[t + 1], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return torch.stack([X[t] for t in range(1, T + 1)])


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.shape[0]
    x = x_T
    for t in range(T, 1, -1):
        e = eps_model(x, t)
        x0_pred = (x - torch.sqrt(1 - alphas[t - 1]) * e) / torch.sqrt(alphas[t - 1])
        x = torch.sqrt(alphas[t - 2]) * x0_pred + torch.sqrt(1 - alphas[t - 2] - sigmas[t - 1] ** 2) * e \
            + sigmas[t - 1] * noise[t - 1]
    e = eps_model(x, 1)
    return (x - torch.sqrt(1 - alphas[0]) * e) / torch.sqrt(alphas[0])


def ou_coefficients(t):
    gamma = torch.exp(-t / 2)
    sigma = torch.sqrt(1 - torch.exp(-t))
    return gamma, sigma


def dsm_loss(eps_model, x0, t, eps, lam):
    gamma, sigma = ou_coefficients(t)
    x_t = gamma * x0 + sigma * eps
    terms = lam / sigma ** 2 * (eps_model(x_t, t) - eps) ** 2

    # accumulate the mean with compensated (Kahan) summation so tiny sigma_t
    # terms near t = 0 do not get swamped
    total = torch.zeros((), dtype=terms.dtype)
    comp = torch.zeros((), dtype=terms.dtype)
    i = 0
    while i < terms.shape[0]:
        y = terms[i] - comp
        s = total + y
        comp = (s - total) - y
        total = s
    return total / terms.shape[0]


def reverse_ode_drift(x, t, score):
    return -0.5 * x - 0.5 * score


def _one_head(Q, K, V, wq, wk, wv):
    q, k, v = Q @ wq, K @ wk, V @ wv
    a = torch.softmax(q @ k.T / math.sqrt(wq.shape[1]), dim=-1)
    return a @ v


def mha1(Q, K, V, params):
    H = params["W_Q"].shape[0]
    cat = torch.cat([_one_head(Q, K, V, params["W_Q"][h], params["W_K"][h], params["W_V"][h])
                     for h in range(H)], dim=1)
    return cat @ params["W_O"]


def mha2(Q, K, V, params):
    H = params["W_Q"].shape[0]
    return torch.stack([_one_head(Q, K, V, params["W_Q"][h], params["W_K"][h], params["W_V"][h])
                        for h in range(H)]).sum(0)


def mha1_to_mha2(params):
    H, d_V, d_head = params["W_V"].shape
    W_V2 = torch.empty(H, d_V, params["W_O"].shape[1], dtype=params["W_V"].dtype)
    for h in range(H):
        W_V2[h] = params["W_V"][h] @ params["W_O"][h * d_head:(h + 1) * d_head]
    return {"W_Q": params["W_Q"], "W_K": params["W_K"], "W_V": W_V2}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    return (H * (d_Q * d_attn + d_K * d_attn + d_V * d_head) + H * d_head * d_out,
            H * (d_Q * d_attn + d_K * d_attn + d_V * d_out))
