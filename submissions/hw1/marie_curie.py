"""Homework 1 -- score-based foundations.

Marie Curie

All functions take float64 torch tensors and return torch tensors. Nothing is
modified in place and nothing random is drawn: the noise is always passed in.
"""
import math

import torch


# ---------------------------------------------------------------------------
# Problem 1: Tweedie's formula   E[X | Y = y] = y + Sigma grad log p_Y(y)
# ---------------------------------------------------------------------------

def tweedie_posterior_mean(y, score, Sigma):
    s = score(y)                       # [N, d], one gradient per row
    # row n of the result is y_n + Sigma s_n, i.e. (Sigma s_n)^T = s_n^T Sigma^T
    return y + s @ Sigma.transpose(0, 1)


# ---------------------------------------------------------------------------
# Problem 2: KL between isotropic Gaussians
# ---------------------------------------------------------------------------

def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[-1]
    sq_dist = ((mu1 - mu0) ** 2).sum(dim=-1)
    ratio = sigma0 ** 2 / sigma1 ** 2
    return sq_dist / (2.0 * sigma1 ** 2) + 0.5 * d * (ratio - 1.0) + d * torch.log(sigma1 / sigma0)


# ---------------------------------------------------------------------------
# Problem 3: FFJORD with Hutchinson's estimator, and its adjoint gradient
# ---------------------------------------------------------------------------

def _f_and_quad(f, z, s, nu, create_graph=False):
    """f(z, s) and q = nu^T (df/dz) nu for every row; z must require grad."""
    fz = f(z, s)
    # vector-Jacobian product: row n is nu_n^T J_n
    (nuJ,) = torch.autograd.grad(fz, z, grad_outputs=nu, create_graph=create_graph)
    return fz, (nuJ * nu).sum(dim=-1)


def _log_normal(z):
    D = z.shape[-1]
    return -0.5 * (z ** 2).sum(dim=-1) - 0.5 * D * math.log(2.0 * math.pi)


def ffjord_log_density(f, x, nu, n_steps):
    h = 1.0 / n_steps

    def rhs(z, s):
        with torch.enable_grad():
            zz = z.detach().requires_grad_(True)
            fz, q = _f_and_quad(f, zz, s, nu)
        return fz.detach(), -q.detach()          # (dz/ds, dl/ds)

    z = x.detach().clone()
    l = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
    # integrate from s = 1 down to s = 0: step of size -h
    for k in range(n_steps):
        s = 1.0 - k * h
        k1z, k1l = rhs(z, s)
        k2z, k2l = rhs(z - 0.5 * h * k1z, s - 0.5 * h)
        k3z, k3l = rhs(z - 0.5 * h * k2z, s - 0.5 * h)
        k4z, k4l = rhs(z - h * k3z, s - h)
        z = z - h / 6.0 * (k1z + 2 * k2z + 2 * k3z + k4z)
        l = l - h / 6.0 * (k1l + 2 * k2l + 2 * k3l + k4l)
    return _log_normal(z) - l


def _flow_back_to_zero(f, x, n_steps):
    """z(0) from z(1) = x with the same RK4 steps as ffjord_log_density."""
    h = 1.0 / n_steps
    z = x.detach().clone()
    with torch.no_grad():
        for k in range(n_steps):
            s = 1.0 - k * h
            k1 = f(z, s)
            k2 = f(z - 0.5 * h * k1, s - 0.5 * h)
            k3 = f(z - 0.5 * h * k2, s - 0.5 * h)
            k4 = f(z - h * k3, s - h)
            z = z - h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return z


def ffjord_adjoint_grad(f, x, nu, n_steps):
    """Adjoint method of Problem 3.

    Augmented state (z, a, b), solved forward in s from 0 to 1:
        dz/ds = f(z, s)
        da/ds = -a df/dz     - d/dz     (nu^T df/dz nu)
        db/ds = -a df/dtheta - d/dtheta (nu^T df/dz nu)
    with a(0) = grad log p_Z(z(0)) = -z(0), b(0) = 0; the gradient is b(1).
    Because f acts row by row, summing over the batch inside the scalar below
    gives the per-row a's and the batch-summed b directly.
    """
    params = tuple(f.parameters())
    h = 1.0 / n_steps

    def rhs(z, a, s):
        with torch.enable_grad():
            zz = z.detach().requires_grad_(True)
            fz, q = _f_and_quad(f, zz, s, nu, create_graph=True)
            phi = (a.detach() * fz).sum() + q.sum()
            grads = torch.autograd.grad(phi, (zz,) + params, allow_unused=True)
        dz = fz.detach()
        da = -grads[0]
        db = [torch.zeros_like(p) if g is None else -g for g, p in zip(grads[1:], params)]
        return dz, da, db

    z = _flow_back_to_zero(f, x, n_steps)
    a = -z.clone()                                   # grad of log N(z; 0, I)
    b = [torch.zeros_like(p) for p in params]

    for k in range(n_steps):
        s = k * h
        k1z, k1a, k1b = rhs(z, a, s)
        k2z, k2a, k2b = rhs(z + 0.5 * h * k1z, a + 0.5 * h * k1a, s + 0.5 * h)
        k3z, k3a, k3b = rhs(z + 0.5 * h * k2z, a + 0.5 * h * k2a, s + 0.5 * h)
        k4z, k4a, k4b = rhs(z + h * k3z, a + h * k3a, s + h)
        z = z + h / 6.0 * (k1z + 2 * k2z + 2 * k3z + k4z)
        a = a + h / 6.0 * (k1a + 2 * k2a + 2 * k3a + k4a)
        b = [bi + h / 6.0 * (g1 + 2 * g2 + 2 * g3 + g4)
             for bi, g1, g2, g3, g4 in zip(b, k1b, k2b, k3b, k4b)]
    return tuple(bi.detach() for bi in b)


# ---------------------------------------------------------------------------
# Problem 4: two graph-form backward passes
# ---------------------------------------------------------------------------

def _node_dims(nodes, edges, jac, out):
    dims = {out: 1}
    for (u, v) in edges:
        J = jac[(u, v)]
        dims[v] = J.shape[0]
        dims[u] = J.shape[1]
    return dims


def _init_grads(nodes, edges, jac, out):
    dims = _node_dims(nodes, edges, jac, out)
    some_jac = next(iter(jac.values())) if jac else torch.zeros(())
    grads = {v: torch.zeros(1, dims[v], dtype=some_jac.dtype) for v in nodes}
    grads[out] = torch.ones(1, 1, dtype=some_jac.dtype)
    return grads


def backprop_v1(nodes, edges, jac, out):
    children = {v: [] for v in nodes}
    for (u, v) in edges:
        children[u].append(v)
    grads = _init_grads(nodes, edges, jac, out)
    for v in reversed(nodes):
        for w in children[v]:
            grads[v] = grads[v] + grads[w] @ jac[(v, w)]
    return grads


def backprop_v2(nodes, edges, jac, out):
    parents = {v: [] for v in nodes}
    for (u, v) in edges:
        parents[v].append(u)
    grads = _init_grads(nodes, edges, jac, out)
    for v in reversed(nodes):
        for u in parents[v]:
            grads[u] = grads[u] + grads[v] @ jac[(u, v)]
    return grads


# ---------------------------------------------------------------------------
# Problem 5: Fokker-Planck right-hand side in 1-D
# ---------------------------------------------------------------------------

def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    fp = f * p
    advection = -(fp[2:] - fp[:-2]) / (2.0 * dx)
    diffusion = 0.5 * rho ** 2 * (p[2:] - 2.0 * p[1:-1] + p[:-2]) / dx ** 2
    return advection + diffusion


# ---------------------------------------------------------------------------
# Problem 6: variance-exploding SDE, exact Gaussian increments
# ---------------------------------------------------------------------------

def ve_sde_sample(x0, sigma2, noise):
    increments = torch.sqrt(sigma2[1:] - sigma2[:-1])    # [K]
    return x0 + (increments[:, None] * noise).sum(dim=0)


# ---------------------------------------------------------------------------
# Problem 7: the lambda-family of reverse SDEs
# ---------------------------------------------------------------------------

def reverse_sde_drift(x, f, g, score, lam):
    return f - (1.0 - lam / 2.0) * g ** 2 * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    K = len(ts) - 1
    for k in range(K):
        t = float(ts[k])
        h = float(ts[k]) - float(ts[k + 1])
        drift = reverse_sde_drift(x, -0.5 * x, 1.0, score(x, t), lam)
        x = x - h * drift + math.sqrt((1.0 - lam) * h) * noise[k]
    return x
