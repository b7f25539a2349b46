"""Solves the adjoint system forward in s with explicit Euler steps instead of RK4.

mistake: ffjord_adjoint_grad: euler_adjoint
source: 001_d4f722768cb25930.txt, problem 3
"""
import torch


def _z_at_zero(f, x, n_steps):
    h = -1.0 / n_steps
    z, s = x.clone(), 1.0
    with torch.no_grad():
        for _ in range(n_steps):
            k1 = f(z, s)
            k2 = f(z + 0.5 * h * k1, s + 0.5 * h)
            k3 = f(z + 0.5 * h * k2, s + 0.5 * h)
            k4 = f(z + h * k3, s + h)
            z = z + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
            s += h
    return z


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = list(f.parameters())
    z = _z_at_zero(f, x, n_steps)
    a = -z
    b = [torch.zeros_like(p) for p in params]
    h = 1.0 / n_steps
    s = 0.0
    for _ in range(n_steps):
        with torch.enable_grad():
            zr = z.detach().requires_grad_(True)
            fz = f(zr, s)
            nJ, = torch.autograd.grad(fz, zr, nu, create_graph=True)
            obj = (a * fz).sum() + (nJ * nu).sum()
            grads = torch.autograd.grad(obj, [zr] + params, allow_unused=True)
        z = z + h * fz.detach()
        a = a - h * grads[0]
        b = [bi - h * (g if g is not None else 0.0) for bi, g in zip(b, grads[1:])]
        s += h
    return tuple(bi.detach() for bi in b)
