# homework2.py  --  Emmy Noether
#
# I wrote everything with plain loops so I could follow the formulas line by
# line.  Internally I compute in double precision; the public functions hand
# back float32 (that is what my training code uses anyway).

import math
import torch


def _f64(x):
    if isinstance(x, torch.Tensor):
        return x.detach().to(torch.float64)
    return torch.tensor(x, dtype=torch.float64)


def _alpha_bar(betas, t):
    """prod_{s=1}^{t} (1 - beta_s); the empty product (t = 0) is 1."""
    prod = 1.0
    for s in range(1, t + 1):
        prod = prod * (1.0 - float(betas[s - 1]))
    return prod


# ----------------------------- Problem 1 ------------------------------------

def ddpm_posterior(x_t, x0, betas, t):
    t = int(t)
    beta_t = float(betas[t - 1])
    alpha_t = 1.0 - beta_t
    ab_t = _alpha_bar(betas, t)
    ab_tm1 = _alpha_bar(betas, t - 1)

    c0 = math.sqrt(ab_tm1) * beta_t / (1.0 - ab_t)
    ct = math.sqrt(alpha_t) * (1.0 - ab_tm1) / (1.0 - ab_t)
    mean = c0 * _f64(x0) + ct * _f64(x_t)
    beta_tilde = (1.0 - ab_tm1) / (1.0 - ab_t) * beta_t
    return [mean.float(), beta_tilde]


def ddpm_posterior_mean_from_score(x_t, score, betas, t):
    beta_t = float(betas[int(t) - 1])
    mu = (_f64(x_t) + beta_t * _f64(score)) / math.sqrt(1.0 - beta_t)
    return mu.float()


# ----------------------------- Problem 2 ------------------------------------

def _step(x_next, x0, a_t, a_next, s_next, z):
    a_t, a_next, s_next = float(a_t), float(a_next), float(s_next)
    k = math.sqrt(max(1.0 - a_t - s_next ** 2, 0.0)) / math.sqrt(1.0 - a_next)
    return math.sqrt(a_t) * x0 + k * (x_next - math.sqrt(a_next) * x0) + s_next * z


def ddim_step(x_next, x0, alpha_t, alpha_next, sigma_next, noise):
    x = _step(_f64(x_next), _f64(x0), alpha_t, alpha_next, sigma_next, _f64(noise))
    return x.float()


def ddim_forward_process(x0, alphas, sigmas, noise):
    x0 = _f64(x0)
    noise = _f64(noise)
    T = len(alphas)
    X = [None] * (T + 1)           # X[t] for t = 1..T (X[0] unused)
    aT = float(alphas[T - 1])
    X[T] = math.sqrt(aT) * x0 + math.sqrt(1.0 - aT) * noise[T - 1]
    t = T - 1
    while t >= 1:
        X[t] = _step(X[t + 1], x0, alphas[t - 1], alphas[t], sigmas[t], noise[t - 1])
        t -= 1
    out = torch.stack([X[t] for t in range(1, T + 1)], dim=0)
    return out.float()


def ddim_sample(eps_model, x_T, alphas, sigmas, noise):
    T = len(alphas)
    x = _f64(x_T)
    noise = _f64(noise)
    x0_hat = None
    for t in reversed(range(1, T + 1)):
        a = float(alphas[t - 1])
        e = _f64(eps_model(x, t))
        x0_hat = (x - math.sqrt(1.0 - a) * e) / math.sqrt(a)
        if t > 1:
            a_prev = float(alphas[t - 2])
            s = float(sigmas[t - 1])
            x = (math.sqrt(a_prev) * x0_hat
                 + math.sqrt(max(1.0 - a_prev - s * s, 0.0)) * e
                 + s * noise[t - 1])
    return x0_hat.float()


# ----------------------------- Problem 3 ------------------------------------

def _ou64(t):
    t = _f64(t)
    g = torch.zeros_like(t)
    s = torch.zeros_like(t)
    for i in range(t.shape[0]):
        ti = float(t[i])
        g[i] = math.exp(-ti / 2.0)
        s[i] = math.sqrt(1.0 - math.exp(-ti))
    return g, s


def ou_coefficients(t):
    g, s = _ou64(t)
    return g.float(), s.float()


def dsm_loss(eps_model, x0, t, eps, lam):
    g, s = _ou64(t)
    x0, eps, lam = _f64(x0), _f64(eps), _f64(lam)
    x_t = g * x0 + s * eps
    pred = _f64(eps_model(x_t, _f64(t)))
    total = torch.zeros((), dtype=torch.float64)
    N = x0.shape[0]
    for n in range(N):
        total = total + lam[n] / s[n] ** 2 * (pred[n] - eps[n]) ** 2
    return (total / N).float()


def reverse_ode_drift(x, t, score):
    # dX = [f - g^2/2 * score] dt,  f = -x/2, g = 1
    return (-_f64(x) / 2.0 - _f64(score) / 2.0).float()


# ----------------------------- Problem 4 ------------------------------------

def _softmax_rows(S):
    out = torch.empty_like(S)
    for i in range(S.shape[0]):
        row = S[i] - S[i].max()
        ex = torch.exp(row)
        out[i] = ex / ex.sum()
    return out


def _head(Q, K, V, Wq, Wk, Wv):
    d_attn = Wq.shape[1]
    S = (Q @ Wq) @ (K @ Wk).T / math.sqrt(d_attn)
    return _softmax_rows(S) @ (V @ Wv)


def mha1(Q, K, V, params):
    Q, K, V = _f64(Q), _f64(K), _f64(V)
    Wq, Wk, Wv, Wo = (_f64(params[k]) for k in ("W_Q", "W_K", "W_V", "W_O"))
    H = Wq.shape[0]
    heads = []
    for h in range(H):
        heads.append(_head(Q, K, V, Wq[h], Wk[h], Wv[h]))
    concat = torch.cat(heads, dim=1)
    return (concat @ Wo).float()


def mha2(Q, K, V, params):
    Q, K, V = _f64(Q), _f64(K), _f64(V)
    Wq, Wk, Wv = (_f64(params[k]) for k in ("W_Q", "W_K", "W_V"))
    H = Wq.shape[0]
    out = None
    for h in range(H):
        hd = _head(Q, K, V, Wq[h], Wk[h], Wv[h])
        out = hd if out is None else out + hd
    return out.float()


def mha1_to_mha2(params):
    Wv = params["W_V"]
    Wo = params["W_O"]
    H, _, d_head = Wv.shape
    new_blocks = []
    for h in range(H):
        Wo_h = Wo[h * d_head:(h + 1) * d_head, :]
        new_blocks.append(Wv[h] @ Wo_h)
    return {"W_Q": params["W_Q"].clone(),
            "W_K": params["W_K"].clone(),
            "W_V": torch.stack(new_blocks, dim=0)}


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    mha1_count = 0
    mha2_count = 0
    for h in range(H):
        mha1_count += d_Q * d_attn + d_K * d_attn + d_V * d_head
        mha2_count += d_Q * d_attn + d_K * d_attn + d_V * d_out
    mha1_count += (H * d_head) * d_out   # W^O
    return mha1_count, mha2_count
