"""Correct hw2 in the style of numpy-only reference code with log-space schedules.

Conventions used:
- numpy only (np.asarray of the inputs, numpy arrays / floats returned); torch only to
  call the given eps_model (inputs wrapped with torch.from_numpy, output .numpy());
- log-space cumulative products: abar = exp(cumsum(log1p(-betas))), 1 - abar = -expm1(...);
- abar_0 = 1 prepended with np.concatenate, so abar[t] is abar_t for the 1-indexed t;
- stabilising epsilons: lam / (sigma**2 + 1e-12) in the DSM loss, softmax as
  exp(s - max) / (sum + 1e-10);
- attention with np.einsum and a hand-written row softmax.
mistake: none
"""

import numpy as np
import torch


def _np(a):
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def _log_schedule(betas):
    betas = _np(betas)
    log_abar = np.concatenate([[0.0], np.cumsum(np.log1p(-betas))])  # index t = abar_t
    return betas, np.exp(log_abar), -np.expm1(log_abar)


def ddpm_posterior(x_t, x0, betas, t):
    betas, abar, one_minus_abar = _log_schedule(betas)
    t = int(t)
    beta_t = betas[t - 1]
    coef_x0 = np.sqrt(abar[t - 1]) * beta_t / one_minus_abar[t]
    coef_xt = np.sqrt(1.0 - beta_t) * one_minus_abar[t - 1] / one_minus_abar[t]
    mean = coef_x0 * _np(x0) + coef_xt * _np(x_t)
    var = one_minus_abar[t - 1] / one_minus_abar[t] * beta_t
    return mean, float(var)


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta_t = _np(betas)[int(t) - 1]
    return (_np(x_t) + beta_t * _np(score)) / np.sqrt(1.0 - beta_t)


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    a_t, a_n, s_n = float(alpha_t), float(alpha_next), float(sigma_next)
    x_next, x0, noise = _np(x_next), _np(x0), _np(noise)
    coef = np.sqrt(max(1.0 - a_t - s_n ** 2, 0.0)) / np.sqrt(1.0 - a_n)
    return np.sqrt(a_t) * x0 + coef * (x_next - np.sqrt(a_n) * x0) + s_n * noise


def ddim_forward_process(x0, alphas, sigmas, noise):
    x0, alphas, sigmas, noise = _np(x0), _np(alphas), _np(sigmas), _np(noise)
    T = alphas.shape[0]
    out = np.empty((T,) + x0.shape)
    out[T - 1] = np.sqrt(alphas[T - 1]) * x0 + np.sqrt(1 - alphas[T - 1]) * noise[T - 1]
    for t in range(T - 1, 0, -1):
        out[t - 1] = ddim_step(out[t], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
    return out


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    alphas, sigmas, noise = _np(alphas), _np(sigmas), _np(noise)
    x = _np(x_T).copy()
    T = alphas.shape[0]
    for t in range(T, 0, -1):
        with torch.no_grad():
            e = _np(eps_model(torch.from_numpy(x.copy()), t))
        a_t = alphas[t - 1]
        x0_hat = (x - np.sqrt(1.0 - a_t) * e) / np.sqrt(a_t)
        if t == 1:
            return x0_hat
        a_prev, s_t = alphas[t - 2], sigmas[t - 1]
        x = (np.sqrt(a_prev) * x0_hat + np.sqrt(max(1.0 - a_prev - s_t ** 2, 0.0)) * e
             + s_t * noise[t - 1])
    return x


def ou_coefficients(t):
    t = _np(t)
    return np.exp(-t / 2), np.sqrt(-np.expm1(-t))


def dsm_loss(eps_model, x0, t, eps, lam):
    x0_, eps_, lam_ = _np(x0), _np(eps), _np(lam)
    gamma, sigma = ou_coefficients(t)
    x_t = torch.from_numpy(gamma * x0_ + sigma * eps_)
    with torch.no_grad():
        pred = _np(eps_model(x_t, t))
    return np.mean(lam_ / (sigma ** 2 + 1e-12) * (pred - eps_) ** 2)


def reverse_ode_drift(x, t, score):
    return -0.5 * _np(x) - 0.5 * _np(score)


def _softmax(s):
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / (e.sum(axis=-1, keepdims=True) + 1e-10)


def _heads(Q, K, V, W_Q, W_K, W_V):
    q = np.einsum("ld,hda->hla", _np(Q), _np(W_Q))
    k = np.einsum("md,hda->hma", _np(K), _np(W_K))
    v = np.einsum("md,hde->hme", _np(V), _np(W_V))
    scores = np.einsum("hla,hma->hlm", q, k) / np.sqrt(q.shape[-1])
    return np.einsum("hlm,hme->hle", _softmax(scores), v)


def mha1(Q, K, V, params):
    heads = _heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"])
    concat = np.concatenate(list(heads), axis=-1)  # [L, H*d_head], head h in block h
    return concat @ _np(params["W_O"])


def mha2(Q, K, V, params):
    return _heads(Q, K, V, params["W_Q"], params["W_K"], params["W_V"]).sum(axis=0)


def mha1_to_mha2(params):
    W_V, W_O = _np(params["W_V"]), _np(params["W_O"])
    H, _, d_head = W_V.shape
    blocks = W_O.reshape(H, d_head, -1)
    return {"W_Q": _np(params["W_Q"]).copy(), "W_K": _np(params["W_K"]).copy(),
            "W_V": np.einsum("hve,heo->hvo", W_V, blocks)}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    shared = H * d_attn * (d_Q + d_K)
    return shared + H * d_head * (d_V + d_out), shared + H * d_V * d_out
