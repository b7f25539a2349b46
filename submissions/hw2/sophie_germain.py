# Sophie Germain, HW 2
import math
import torch

# ---------- problem 1 ----------

def ddpm_posterior(x_t, x0, betas, t):
    a = 1.0 - betas
    abar = torch.cat([torch.ones(1, dtype=betas.dtype), torch.cumprod(a, dim=0)])  # abar[0] = 1
    # with the padded array abar[t] really is abar_t
    mean = (abar[t - 1].sqrt() * betas[t - 1] / (1 - abar[t])) * x0 \
        + (a[t - 1].sqrt() * (1 - abar[t - 1]) / (1 - abar[t])) * x_t
    var = (1 - abar[t - 1]) / (1 - abar[t]) * betas[t - 1]
    return mean, var


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    return (x_t + betas[t - 1] * score) / (1.0 - betas[t - 1]).sqrt()

# ---------- problem 2 ----------

def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    alpha_t = torch.as_tensor(alpha_t, dtype=x0.dtype)
    alpha_next = torch.as_tensor(alpha_next, dtype=x0.dtype)
    sigma_next = torch.as_tensor(sigma_next, dtype=x0.dtype)
    eps_dir = (x_next - alpha_next.sqrt() * x0) / (1 - alpha_next).sqrt()   # implied noise
    return alpha_t.sqrt() * x0 + (1 - alpha_t - sigma_next ** 2).sqrt() * eps_dir + sigma_next * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    T = alphas.numel()
    x = alphas[T - 1].sqrt() * x0 + (1 - alphas[T - 1]).sqrt() * noise[T - 1]
    traj = [x]
    for t in range(T - 1, 0, -1):
        x = ddim_step(x, x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
        traj.append(x)
    traj.reverse()          # traj[0] = X_1, ..., traj[T-1] = X_T
    return torch.stack(traj, 0)


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = alphas.numel()
    x = x_T
    for t in range(T, 1, -1):
        eps = eps_model(x, t)
        pred_x0 = (x - (1 - alphas[t - 1]).sqrt() * eps) / alphas[t - 1].sqrt()
        x = alphas[t - 2].sqrt() * pred_x0 \
            + (1 - alphas[t - 2] - sigmas[t - 1] ** 2).sqrt() * eps \
            + sigmas[t - 1] * noise[t - 1]
    eps = eps_model(x, 1)
    return (x - (1 - alphas[0]).sqrt() * eps) / alphas[0].sqrt()

# ---------- problem 3 ----------

def ou_coefficients(t):
    gamma = torch.exp(-t / 2)
    sigma = torch.sqrt(1 - torch.exp(-t))
    return gamma, sigma


def dsm_loss(eps_model, x0, t, eps, lam):
    g, s = ou_coefficients(t)
    x_t = g * x0 + s * eps
    return torch.mean(lam / s ** 2 * (eps_model(x_t, t) - eps) ** 2)


def reverse_ode_drift(x, t, score):
    return -x / 2 - score / 2

# ---------- problem 4 ----------

def mha1(Q, K, V, params):
    Wq, Wk, Wv, Wo = params["W_Q"], params["W_K"], params["W_V"], params["W_O"]
    H, _, d_attn = Wq.shape
    heads = []
    for h in range(H):
        scores = (Q @ Wq[h]) @ (K @ Wk[h]).transpose(0, 1) / math.sqrt(d_attn)
        heads.append(torch.softmax(scores, dim=-1) @ (V @ Wv[h]))
    return torch.cat(heads, dim=-1) @ Wo


def mha2(Q, K, V, params):
    Wq, Wk, Wv = params["W_Q"], params["W_K"], params["W_V"]
    H, _, d_attn = Wq.shape
    out = torch.zeros(Q.shape[0], Wv.shape[-1], dtype=Q.dtype)
    for h in range(H):
        scores = (Q @ Wq[h]) @ (K @ Wk[h]).transpose(0, 1) / math.sqrt(d_attn)
        out = out + torch.softmax(scores, dim=-1) @ (V @ Wv[h])
    return out


def mha1_to_mha2(params):
    Wv, Wo = params["W_V"], params["W_O"]
    d_head = Wv.shape[-1]
    new_Wv = torch.stack([Wv[h] @ Wo[h * d_head:(h + 1) * d_head, :] for h in range(Wv.shape[0])])
    return {"W_Q": params["W_Q"], "W_K": params["W_K"], "W_V": new_Wv, "W_O": params["W_O"]}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    per_head_1 = d_Q * d_attn + d_K * d_attn + d_V * d_head
    per_head_2 = d_Q * d_attn + d_K * d_attn + d_V * d_out
    return H * per_head_1, H * per_head_2
