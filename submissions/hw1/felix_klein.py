# Homework 1
# Felix Klein
import math

import torch
from torch.autograd import grad


# Problem 1 -------------------------------------------------------------------
def tweedie_posterior_mean(y, score, Sigma):
    return y + (Sigma @ score(y).T).T


# Problem 2 -------------------------------------------------------------------
def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[-1]
    r = (sigma0 / sigma1) ** 2
    return (torch.linalg.norm(mu1 - mu0, dim=-1) ** 2 / (2 * sigma1 ** 2)
            + d * (r - 1) / 2 - d / 2 * torch.log(r))


# Problem 3 -------------------------------------------------------------------
def _hutchinson(f, z, s, nu):
    """f(z, s) and nu^T df/dz nu, per row."""
    with torch.enable_grad():
        z = z.detach().requires_grad_(True)
        fz = f(z, s)
        jtv = grad(fz, z, grad_outputs=nu)[0]
    return fz.detach(), (jtv * nu).sum(-1)


def ffjord_log_density(f, x, nu, n_steps):
    # the log-det term grows with the divergence of f along the flow
    def rhs(z, s):
        fz, tr = _hutchinson(f, z, s, nu)
        return fz, tr

    h = 1.0 / n_steps
    z = x.clone()
    l = torch.zeros(x.shape[0], dtype=x.dtype)
    for i in range(n_steps):
        s = 1 - i * h
        kz1, kl1 = rhs(z, s)
        kz2, kl2 = rhs(z - h / 2 * kz1, s - h / 2)
        kz3, kl3 = rhs(z - h / 2 * kz2, s - h / 2)
        kz4, kl4 = rhs(z - h * kz3, s - h)
        z = z - h / 6 * (kz1 + 2 * kz2 + 2 * kz3 + kz4)
        l = l - h / 6 * (kl1 + 2 * kl2 + 2 * kl3 + kl4)
    D = x.shape[-1]
    return -0.5 * (z ** 2).sum(-1) - 0.5 * D * math.log(2 * math.pi) - l


def ffjord_adjoint_grad(f, x, nu, n_steps):
    """Adjoint equations of Problem 3, RK4 forward in s on (z, a, b)."""
    theta = list(f.parameters())
    h = 1.0 / n_steps

    # 1) z(0) by integrating dz/ds = f backwards from z(1) = x
    z = x.clone()
    with torch.no_grad():
        for i in range(n_steps):
            s = 1 - i * h
            k1 = f(z, s)
            k2 = f(z - h / 2 * k1, s - h / 2)
            k3 = f(z - h / 2 * k2, s - h / 2)
            k4 = f(z - h * k3, s - h)
            z = z - h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    # 2) forward adjoint solve
    def adjoint_rhs(z, a, s):
        with torch.enable_grad():
            z = z.detach().requires_grad_(True)
            fz = f(z, s)
            jtv = grad(fz, z, grad_outputs=nu, create_graph=True)[0]
            vjv = (jtv * nu).sum()
            # a df/dz + d(nu^T J nu)/dz  and  a df/dtheta + d(nu^T J nu)/dtheta
            g = grad((a * fz).sum() + vjv, [z] + theta, allow_unused=True)
        dtheta = []
        for gi, p in zip(g[1:], theta):
            dtheta.append(-gi if gi is not None else torch.zeros_like(p))
        return fz.detach(), -g[0], dtheta

    a = -z.clone()
    b = [torch.zeros_like(p) for p in theta]
    for i in range(n_steps):
        s = i * h
        z1, a1, b1 = adjoint_rhs(z, a, s)
        z2, a2, b2 = adjoint_rhs(z + h / 2 * z1, a + h / 2 * a1, s + h / 2)
        z3, a3, b3 = adjoint_rhs(z + h / 2 * z2, a + h / 2 * a2, s + h / 2)
        z4, a4, b4 = adjoint_rhs(z + h * z3, a + h * a3, s + h)
        z = z + h / 6 * (z1 + 2 * z2 + 2 * z3 + z4)
        a = a + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        b = [bj + h / 6 * (c1 + 2 * c2 + 2 * c3 + c4) for bj, c1, c2, c3, c4 in zip(b, b1, b2, b3, b4)]
    return tuple(b)


# Problem 4 -------------------------------------------------------------------
def _setup(nodes, edges, jac, out):
    g = {}
    for (u, v) in edges:
        g.setdefault(u, torch.zeros(1, jac[(u, v)].shape[1], dtype=torch.float64))
        g.setdefault(v, torch.zeros(1, jac[(u, v)].shape[0], dtype=torch.float64))
    g[out] = torch.ones(1, 1, dtype=torch.float64)
    return g


def backprop_v1(nodes, edges, jac, out):
    g = _setup(nodes, edges, jac, out)
    for v in reversed(nodes):
        for w in [b for (a, b) in edges if a == v]:
            g[v] = g[v] + g[w] @ jac[(v, w)]
    return g


def backprop_v2(nodes, edges, jac, out):
    g = _setup(nodes, edges, jac, out)
    for v in reversed(nodes):
        for u in [a for (a, b) in edges if b == v]:
            g[u] = g[u] + g[v] @ jac[(u, v)]
    return g


# Problem 5 -------------------------------------------------------------------
def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    fp = f * p
    return (-(fp[2:] - fp[:-2]) / (2 * dx)
            + 0.5 * rho ** 2 * (p[2:] + p[:-2] - 2 * p[1:-1]) / dx ** 2)


# Problem 6 -------------------------------------------------------------------
def ve_sde_sample(x0, sigma2, noise):
    dvar = (sigma2[1:] - sigma2[:-1]).clamp(min=0)
    return x0 + (dvar.sqrt().unsqueeze(1) * noise).sum(0)


# Problem 7 -------------------------------------------------------------------
def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam / 2) * g ** 2 * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    for k in range(len(ts) - 1):
        h = float(ts[k]) - float(ts[k + 1])
        drift = -x / 2 - (1 - lam / 2) * score(x, float(ts[k]))
        x = x - h * drift + ((1 - lam) * h) ** 0.5 * noise[k]
    return x
