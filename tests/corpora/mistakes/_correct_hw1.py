"""Correct solutions of every hw1 function, written from the course contract (control).

mistake: none
source: 001_d4f722768cb25930.txt, problems 1-7
"""
import math

import torch


def tweedie_posterior_mean(y, score, Sigma):
    # E[X|Y=y] = y + Sigma grad log p_Y(y), one row per sample
    return y + score(y) @ Sigma.T


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[-1]
    sq = ((mu1 - mu0) ** 2).sum(dim=-1)
    return (sq / (2 * sigma1 ** 2)
            + d * (sigma0 ** 2 / sigma1 ** 2 - 1) / 2
            + d * torch.log(sigma1 / sigma0))


def _aug_rhs(f, z, nu, s):
    """dz/ds = f, dl/ds = -nu^T (df/dz) nu (per row)."""
    with torch.enable_grad():
        zz = z if z.requires_grad else z.detach().requires_grad_(True)
        out = f(zz, s)
        vjp, = torch.autograd.grad(out, zz, grad_outputs=nu, create_graph=True)
    return out, -(vjp * nu).sum(dim=1)


def ffjord_log_density(f, x, nu, n_steps):
    h = -1.0 / n_steps          # integrate from s=1 down to s=0
    z = x.clone()
    l = torch.zeros(x.shape[0], dtype=x.dtype)
    s = 1.0
    for _ in range(n_steps):
        k1z, k1l = _aug_rhs(f, z, nu, s)
        k2z, k2l = _aug_rhs(f, z + h / 2 * k1z, nu, s + h / 2)
        k3z, k3l = _aug_rhs(f, z + h / 2 * k2z, nu, s + h / 2)
        k4z, k4l = _aug_rhs(f, z + h * k3z, nu, s + h)
        z = z + h / 6 * (k1z + 2 * k2z + 2 * k3z + k4z)
        l = l + h / 6 * (k1l + 2 * k2l + 2 * k3l + k4l)
        s = s + h
    D = x.shape[1]
    logp = -0.5 * (z ** 2).sum(dim=1) - 0.5 * D * math.log(2 * math.pi)
    return logp - l


def _adjoint_rhs(f, params, z, a, nu, s):
    with torch.enable_grad():
        zz = z.detach().requires_grad_(True)
        out = f(zz, s)
        vjp, = torch.autograd.grad(out, zz, grad_outputs=nu, create_graph=True)
        g = (vjp * nu).sum()
        Q = (a.detach() * out).sum() + g
        grads = torch.autograd.grad(Q, [zz] + list(params), allow_unused=True)
    dz = out.detach()
    da = -grads[0]
    db = [(-gp if gp is not None else torch.zeros_like(p)) for gp, p in zip(grads[1:], params)]
    return dz, da, db


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = tuple(f.parameters())
    with torch.no_grad():
        z0 = x.clone()
        h = -1.0 / n_steps
        s = 1.0
        for _ in range(n_steps):
            k1 = f(z0, s)
            k2 = f(z0 + h / 2 * k1, s + h / 2)
            k3 = f(z0 + h / 2 * k2, s + h / 2)
            k4 = f(z0 + h * k3, s + h)
            z0 = z0 + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            s = s + h
    z = z0
    a = -z0.clone()          # grad of log N(z; 0, I)
    b = [torch.zeros_like(p) for p in params]
    h = 1.0 / n_steps
    s = 0.0
    for _ in range(n_steps):
        z1, a1, b1 = _adjoint_rhs(f, params, z, a, nu, s)
        z2, a2, b2 = _adjoint_rhs(f, params, z + h / 2 * z1, a + h / 2 * a1, nu, s + h / 2)
        z3, a3, b3 = _adjoint_rhs(f, params, z + h / 2 * z2, a + h / 2 * a2, nu, s + h / 2)
        z4, a4, b4 = _adjoint_rhs(f, params, z + h * z3, a + h * a3, nu, s + h)
        z = z + h / 6 * (z1 + 2 * z2 + 2 * z3 + z4)
        a = a + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        b = [bi + h / 6 * (p1 + 2 * p2 + 2 * p3 + p4)
             for bi, p1, p2, p3, p4 in zip(b, b1, b2, b3, b4)]
        s = s + h
    return tuple(bi.detach() for bi in b)


def _dims(nodes, edges, jac, out):
    dim = {out: 1}
    for (u, v) in edges:
        J = jac[(u, v)]
        dim[v] = J.shape[0]
        dim[u] = J.shape[1]
    return dim


def backprop_v1(nodes, edges, jac, out):
    dim = _dims(nodes, edges, jac, out)
    dtype = next(iter(jac.values())).dtype if jac else torch.float64
    grad = {v: torch.zeros(1, dim[v], dtype=dtype) for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=dtype)
    children = {v: [w for (u, w) in edges if u == v] for v in nodes}
    for v in reversed(nodes):
        for w in children[v]:
            grad[v] = grad[v] + grad[w] @ jac[(v, w)]
    return grad


def backprop_v2(nodes, edges, jac, out):
    dim = _dims(nodes, edges, jac, out)
    dtype = next(iter(jac.values())).dtype if jac else torch.float64
    grad = {v: torch.zeros(1, dim[v], dtype=dtype) for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=dtype)
    parents = {v: [u for (u, w) in edges if w == v] for v in nodes}
    for v in reversed(nodes):
        for u in parents[v]:
            grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad


def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    fp = f * p
    adv = (fp[2:] - fp[:-2]) / (2 * dx)
    lap = (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2
    return -adv + rho ** 2 / 2 * lap


def ve_sde_sample(x0, sigma2, noise):
    x = x0.clone()
    K = sigma2.shape[0] - 1
    for k in range(K):
        x = x + torch.sqrt(sigma2[k + 1] - sigma2[k]) * noise[k]
    return x


def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam / 2) * g ** 2 * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    K = len(ts) - 1
    for k in range(K):
        t = float(ts[k])
        h = float(ts[k]) - float(ts[k + 1])
        drift = -x / 2 - (1 - lam / 2) * score(x, t)
        x = x - h * drift + math.sqrt((1 - lam) * h) * noise[k]
    return x
