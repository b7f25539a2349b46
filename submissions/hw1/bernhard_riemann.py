"""Homework 1, Bernhard Riemann."""
import math

import torch


def tweedie_posterior_mean(y, score, Sigma):
    return y + score(y) @ Sigma


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[1]
    mean_part = ((mu1 - mu0) ** 2).sum(dim=1) / (2 * sigma1 ** 2)
    cov_part = d * (sigma0 ** 2 / sigma1 ** 2 - 1) / 2 + d * torch.log(sigma1 / sigma0)
    return mean_part + cov_part


# --- FFJORD -------------------------------------------------------------------

def _ffjord(f, x, nu, n_steps):
    D = x.shape[1]
    h = 1.0 / n_steps

    def dyn(z, s):
        v = f(z, s)
        nuJ = torch.autograd.grad(v, z, grad_outputs=nu, create_graph=True)[0]
        return v, -(nuJ * nu).sum(dim=1)

    with torch.enable_grad():
        z = x.detach().clone().requires_grad_()
        ell = torch.zeros(x.shape[0], dtype=x.dtype)
        for n in range(n_steps):
            s0 = 1.0 - n * h
            f1, l1 = dyn(z, s0)
            f2, l2 = dyn(z - 0.5 * h * f1, s0 - 0.5 * h)
            f3, l3 = dyn(z - 0.5 * h * f2, s0 - 0.5 * h)
            f4, l4 = dyn(z - h * f3, s0 - h)
            z = z - (h / 6) * (f1 + 2 * f2 + 2 * f3 + f4)
            ell = ell - (h / 6) * (l1 + 2 * l2 + 2 * l3 + l4)
        return -0.5 * (z ** 2).sum(dim=1) - 0.5 * D * math.log(2 * math.pi) - ell


def ffjord_log_density(f, x, nu, n_steps):
    with torch.enable_grad():
        return _ffjord(f, x, nu, n_steps).detach()


def ffjord_adjoint_grad(f, x, nu, n_steps):
    # autograd through the discretised solve (same as adjoint up to RK4 error)
    ps = tuple(f.parameters())
    with torch.enable_grad():
        val = _ffjord(f, x, nu, n_steps).sum()
        gs = torch.autograd.grad(val, ps, allow_unused=True)
    return tuple(g.detach() if g is not None else torch.zeros_like(p) for g, p in zip(gs, ps))


# --- backprop -----------------------------------------------------------------

def _dimensions(edges, jac, out):
    dims = {out: 1}
    for e in edges:
        dims[e[0]] = jac[e].shape[1]
        dims[e[1]] = jac[e].shape[0]
    return dims


def backprop_v1(nodes, edges, jac, out):
    dims = _dimensions(edges, jac, out)
    children = {v: [w for (u, w) in edges if u == v] for v in nodes}
    grad = {v: torch.zeros(1, dims[v], dtype=torch.float64) for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    for v in reversed(nodes):
        for w in children[v]:
            grad[v] = grad[v] + grad[w] @ jac[(v, w)]
    return grad


def backprop_v2(nodes, edges, jac, out):
    dims = _dimensions(edges, jac, out)
    parents = {v: [u for (u, w) in edges if w == v] for v in nodes}
    grad = {v: torch.zeros(1, dims[v], dtype=torch.float64) for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    # push each node's gradient to its parents
    for v in nodes:
        for u in parents[v]:
            grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad


# --- Fokker-Planck ------------------------------------------------------------

def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    J = f * p
    drift = (J[2:] - J[:-2]) / (2 * dx)
    diff = (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2
    return -drift + 0.5 * rho * rho * diff


# --- VE SDE -------------------------------------------------------------------

def ve_sde_sample(x0, sigma2, noise):
    X = x0.clone()
    for k in range(len(sigma2) - 1):
        X = X + (sigma2[k + 1] - sigma2[k]).sqrt() * noise[k]
    return X


# --- reverse SDE --------------------------------------------------------------

def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam / 2) * (g ** 2) * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    K = len(ts) - 1
    for k in range(K):
        t_k = float(ts[k])
        h = t_k - float(ts[k + 1])
        x = x - h * (-0.5 * x - (1 - lam / 2) * score(x, t_k)) + math.sqrt((1 - lam) * h) * noise[k]
    return x
