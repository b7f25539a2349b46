"""Correct hw1 in the style of numpy-only scientific code.

Conventions used:
- numpy only (inputs converted with np.asarray, numpy arrays returned), except where a
  torch callable / network must be called and differentiated (score, f): torch is used
  only to evaluate f and its vector-Jacobian products, the RK4 state lives in numpy;
- np.einsum for the Tweedie product;
- eps 1e-8 in the log of the Gaussian KL;
- np.gradient (edge_order=2) for the Fokker-Planck flux derivative, 3-point Laplacian;
- np.cumsum of the VE increments;
- backprop gradients as numpy row vectors.
mistake: none
"""

import math

import numpy as np
import torch


def _np(a):
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def tweedie_posterior_mean(y, score, Sigma):
    s = _np(score(y))
    return _np(y) + np.einsum("ij,nj->ni", _np(Sigma), s)


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    mu0, mu1 = _np(mu0), _np(mu1)
    s0, s1 = _np(sigma0), _np(sigma1)
    d = mu0.shape[1]
    return (np.sum((mu1 - mu0) ** 2, axis=1) / (2 * s1 ** 2)
            + d * (s0 ** 2 / s1 ** 2 - 1) / 2
            + d * (np.log(s1 + 1e-8) - np.log(s0 + 1e-8)))


# -- FFJORD ---------------------------------------------------------------------------------------
def _field_and_quad(f, z_np, s, nu_t):
    """f(z, s) and nu^T (df/dz) nu per row, as numpy."""
    with torch.enable_grad():
        z = torch.from_numpy(z_np).requires_grad_(True)
        fz = f(z, s)
        vjp = torch.autograd.grad(fz, z, nu_t)[0]
    return fz.detach().numpy(), (vjp * nu_t).sum(1).numpy()


def _rk4(func, y, s, h):
    k1 = func(s, y)
    k2 = func(s + h / 2, [a + h / 2 * b for a, b in zip(y, k1)])
    k3 = func(s + h / 2, [a + h / 2 * b for a, b in zip(y, k2)])
    k4 = func(s + h, [a + h * b for a, b in zip(y, k3)])
    return [a + h / 6 * (b1 + 2 * b2 + 2 * b3 + b4) for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4)]


def _reverse_solve(f, x, nu, n_steps):
    nu_t = torch.as_tensor(_np(nu))

    def dyn(s, y):
        fz, q = _field_and_quad(f, y[0], s, nu_t)
        return [fz, -q]

    xn = _np(x).astype(np.float64)
    y = [xn, np.zeros(xn.shape[0])]
    h = -1.0 / n_steps
    for k in range(n_steps):
        y = _rk4(dyn, y, 1.0 - k / n_steps, h)
    return y


def ffjord_log_density(f, x, nu, n_steps):
    z0, l0 = _reverse_solve(f, x, nu, n_steps)
    D = z0.shape[1]
    log_pz = -0.5 * np.sum(z0 ** 2, axis=1) - 0.5 * D * np.log(2 * np.pi)
    return log_pz - l0


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = list(f.parameters())
    nu_t = torch.as_tensor(_np(nu))
    z0, _ = _reverse_solve(f, x, nu, n_steps)
    sizes = [p.numel() for p in params]

    def dyn(s, y):
        z_np, a_np = y[0], y[1]
        with torch.enable_grad():
            z = torch.from_numpy(z_np).requires_grad_(True)
            fz = f(z, s)
            vjp = torch.autograd.grad(fz, z, nu_t, create_graph=True)[0]
            scalar = (fz * torch.from_numpy(a_np)).sum() + (vjp * nu_t).sum()
            grads = torch.autograd.grad(scalar, [z] + params, allow_unused=True)
        gz = grads[0].detach().numpy()
        gp = [np.zeros(n) if g is None else g.detach().reshape(-1).numpy()
              for g, n in zip(grads[1:], sizes)]
        return [fz.detach().numpy(), -gz, -np.concatenate(gp) if gp else np.zeros(0)]

    y = [z0, -z0, np.zeros(sum(sizes))]
    h = 1.0 / n_steps
    for k in range(n_steps):
        y = _rk4(dyn, y, k / n_steps, h)
    b = y[2]
    out, i = [], 0
    for p, n in zip(params, sizes):
        out.append(b[i:i + n].reshape(tuple(p.shape)))
        i += n
    return tuple(out)


# -- backprop -------------------------------------------------------------------------------------
def _setup(nodes, edges, jac, out):
    J = {k: _np(v) for k, v in jac.items()}
    dim = {out: 1}
    for (u, v) in edges:
        dim[v], dim[u] = J[(u, v)].shape
    grad = {v: np.zeros((1, dim[v])) for v in nodes}
    grad[out] = np.ones((1, 1))
    return J, grad


def backprop_v1(nodes, edges, jac, out):
    J, grad = _setup(nodes, edges, jac, out)
    for v in reversed(nodes):
        for w in [b for (a, b) in edges if a == v]:
            grad[v] += grad[w] @ J[(v, w)]
    return grad


def backprop_v2(nodes, edges, jac, out):
    J, grad = _setup(nodes, edges, jac, out)
    for v in reversed(nodes):
        for u in [a for (a, b) in edges if b == v]:
            grad[u] += grad[v] @ J[(u, v)]
    return grad


def fokker_planck_rhs(p, x, f, rho):
    p, x, f = _np(p), _np(x), _np(f)
    dx = np.diff(x).mean()
    dflux = np.gradient(f * p, dx, edge_order=2)
    lap = (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2
    return -dflux[1:-1] + 0.5 * float(rho) ** 2 * lap


def ve_sde_sample(x0, sigma2, noise):
    x0, sigma2, noise = _np(x0), _np(sigma2), _np(noise)
    steps = np.sqrt(np.diff(sigma2))[:, None] * noise
    return x0 + np.cumsum(steps, axis=0)[-1]


def reverse_sde_drift(x, f, g, score, lam):
    return _np(f) - (1 - lam / 2) * g ** 2 * _np(score)


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = _np(x_T).copy()
    ts, noise = _np(ts), _np(noise)
    for k in range(len(ts) - 1):
        h = ts[k] - ts[k + 1]
        sc = _np(score(torch.from_numpy(x.copy()), float(ts[k])))
        x = x - h * (-x / 2 - (1 - lam / 2) * sc) + math.sqrt((1 - lam) * h) * noise[k]
    return x
