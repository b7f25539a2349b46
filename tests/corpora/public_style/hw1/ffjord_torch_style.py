"""Correct hw1 in the style of rtqichen/ffjord and torch autograd code.

Conventions used:
- FFJORD-style Hutchinson divergence: e_dzdx = autograd.grad(f, z, e, create_graph=True),
  summed per row after multiplying by e (divergence_approx);
- classical fixed-step RK4 on tuples of tensors, state (z, logp) as in the odefunc;
- adjoint as an augmented state (z, a, *b) solved forward with torch.autograd.grad
  vector-Jacobian products and allow_unused=True;
- torch.einsum for the Tweedie covariance product;
- eps 1e-8 inside the logs of the Gaussian KL;
- torch.gradient (central differences) for the Fokker-Planck flux;
- float32 accumulation of the VE increments (cast back to the input dtype).
mistake: none
"""

import math

import torch


# -- problem 1: Tweedie ------------------------------------------------------------------------
def tweedie_posterior_mean(y, score, Sigma):
    s = score(y)
    return y + torch.einsum("ij,nj->ni", Sigma, s)


# -- problem 2: KL of isotropic Gaussians --------------------------------------------------------
def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[-1]
    var0, var1 = sigma0 ** 2, sigma1 ** 2
    sq = ((mu1 - mu0) ** 2).sum(dim=-1)
    log_ratio = torch.log(sigma1 + 1e-8) - torch.log(sigma0 + 1e-8)
    return sq / (2 * var1) + 0.5 * d * (var0 / var1 - 1.0) + d * log_ratio


# -- problem 3: FFJORD -----------------------------------------------------------------------------
def divergence_approx(f, y, e):
    """Hutchinson estimate e^T (df/dy) e per row (ffjord/lib/layers/odefunc.py)."""
    e_dzdx = torch.autograd.grad(f, y, e, create_graph=True)[0]
    e_dzdx_e = e_dzdx * e
    return e_dzdx_e.view(y.shape[0], -1).sum(dim=1)


def _rk4_step(func, s, h, state):
    k1 = func(s, state)
    k2 = func(s + h / 2, tuple(y + h / 2 * k for y, k in zip(state, k1)))
    k3 = func(s + h / 2, tuple(y + h / 2 * k for y, k in zip(state, k2)))
    k4 = func(s + h, tuple(y + h * k for y, k in zip(state, k3)))
    return tuple(y + h / 6 * (a + 2 * b + 2 * c + dd)
                 for y, a, b, c, dd in zip(state, k1, k2, k3, k4))


def _standard_normal_logprob(z):
    logZ = -0.5 * math.log(2 * math.pi)
    return (logZ - z.pow(2) / 2).sum(dim=1)


def _cnf_reverse(f, x, nu, n_steps, create_graph):
    """Integrate (z, l) from s = 1 to s = 0; returns z(0), l(0)."""

    def odefunc(s, state):
        z, _ = state
        with torch.enable_grad():
            if not z.requires_grad:
                z = z.detach().requires_grad_(True)
            dz = f(z, s)
            div = divergence_approx(dz, z, nu)
        if not create_graph:
            dz, div = dz.detach(), div.detach()
        return dz, -div

    h = -1.0 / n_steps
    state = (x, torch.zeros(x.shape[0], dtype=x.dtype))
    for k in range(n_steps):
        s = 1.0 - k / n_steps
        state = _rk4_step(odefunc, s, h, state)
        if not create_graph:
            state = tuple(v.detach() for v in state)
    return state


def ffjord_log_density(f, x, nu, n_steps):
    z0, l0 = _cnf_reverse(f, x, nu, n_steps, create_graph=True)
    return _standard_normal_logprob(z0) - l0


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = tuple(f.parameters())
    z0, _ = _cnf_reverse(f, x, nu, n_steps, create_graph=False)

    def aug_dynamics(s, state):
        z, a = state[0], state[1]
        with torch.enable_grad():
            z = z.detach().requires_grad_(True)
            fz = f(z, s)
            trace_term = divergence_approx(fz, z, nu).sum()
            vjps = torch.autograd.grad((fz * a).sum() + trace_term, (z,) + params,
                                       allow_unused=True)
        da = -vjps[0]
        db = tuple(torch.zeros_like(p) if g is None else -g for g, p in zip(vjps[1:], params))
        return (fz.detach(), da.detach()) + tuple(g.detach() for g in db)

    a0 = -z0.detach()  # grad_z log N(z; 0, I) at z(0)
    state = (z0.detach(), a0) + tuple(torch.zeros_like(p) for p in params)
    h = 1.0 / n_steps
    for k in range(n_steps):
        s = k / n_steps
        state = _rk4_step(aug_dynamics, s, h, state)
    return tuple(b.detach() for b in state[2:])


# -- problem 4: backprop -------------------------------------------------------------------------
def _dims(nodes, edges, jac, out):
    dims = {out: 1}
    for (u, v) in edges:
        J = jac[(u, v)]
        dims[v] = J.shape[0]
        dims[u] = J.shape[1]
    return dims


def _dtype(jac):
    for J in jac.values():
        return J.dtype
    return torch.float64


def backprop_v1(nodes, edges, jac, out):
    dims = _dims(nodes, edges, jac, out)
    dtype = _dtype(jac)
    children = {v: [] for v in nodes}
    for (u, v) in edges:
        children[u].append(v)
    grad = {v: torch.zeros(1, dims[v], dtype=dtype) for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=dtype)
    for v in reversed(nodes):
        for w in children[v]:
            grad[v] = grad[v] + grad[w] @ jac[(v, w)]
    return grad


def backprop_v2(nodes, edges, jac, out):
    dims = _dims(nodes, edges, jac, out)
    dtype = _dtype(jac)
    parents = {v: [] for v in nodes}
    for (u, v) in edges:
        parents[v].append(u)
    grad = {v: torch.zeros(1, dims[v], dtype=dtype) for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=dtype)
    for v in reversed(nodes):
        for u in parents[v]:
            grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad


# -- problem 5: Fokker-Planck ----------------------------------------------------------------------
def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    flux = f * p
    dflux = torch.gradient(flux, spacing=(dx.item(),))[0]
    lap = (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2
    return -dflux[1:-1] + 0.5 * rho ** 2 * lap


# -- problem 6: VE SDE -------------------------------------------------------------------------------
def ve_sde_sample(x0, sigma2, noise):
    inc_var = (sigma2[1:] - sigma2[:-1]).clamp(min=0)
    incs = torch.sqrt(inc_var.float())[:, None] * noise.float()
    return x0 + incs.sum(dim=0).to(x0.dtype)


# -- problem 7: reverse SDE family ---------------------------------------------------------------------
def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam / 2) * g ** 2 * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T
    for k in range(ts.shape[0] - 1):
        t = float(ts[k])
        h = float(ts[k] - ts[k + 1])
        drift = reverse_sde_drift(x, -x / 2, 1.0, score(x, t), lam)
        x = x - h * drift + math.sqrt((1 - lam) * h) * noise[k]
    return x
