"""Starts the adjoint at a(0) = +z(0) instead of grad log N(z(0); 0, I) = -z(0).

mistake: ffjord_adjoint_grad: adjoint_init_sign
source: 001_d4f722768cb25930.txt, problem 3
"""
import torch


def _rk4(F, y, s, h):
    k1 = F(y, s)
    k2 = F([a + h / 2 * b for a, b in zip(y, k1)], s + h / 2)
    k3 = F([a + h / 2 * b for a, b in zip(y, k2)], s + h / 2)
    k4 = F([a + h * b for a, b in zip(y, k3)], s + h)
    return [a + h / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
            for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4)]


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = list(f.parameters())
    h = 1.0 / n_steps

    # 1) z(0): solve dz/ds = f backwards from z(1) = x
    def Fz(y, s):
        with torch.no_grad():
            return [f(y[0], s)]
    z = [x.clone()]
    s = 1.0
    for _ in range(n_steps):
        z = _rk4(Fz, z, s, -h)
        s -= h
    z0 = z[0]

    # 2) adjoint forward in s: state (z, a, b_1..b_P)
    def Fadj(y, s):
        z, a = y[0], y[1]
        with torch.enable_grad():
            zr = z.detach().requires_grad_(True)
            fz = f(zr, s)
            nJ = torch.autograd.grad(fz, zr, grad_outputs=nu, create_graph=True)[0]
            q = (nJ * nu).sum() + (a.detach() * fz).sum()
            g = torch.autograd.grad(q, [zr] + params, allow_unused=True)
        out = [fz.detach(), -g[0]]
        for gp, p in zip(g[1:], params):
            out.append(torch.zeros_like(p) if gp is None else -gp)
        return out

    a0 = z0.clone()  # d/dz log p_Z(z)
    y = [z0, a0] + [torch.zeros_like(p) for p in params]
    s = 0.0
    for _ in range(n_steps):
        y = _rk4(Fadj, y, s, h)
        s += h
    return tuple(t.detach() for t in y[2:])
