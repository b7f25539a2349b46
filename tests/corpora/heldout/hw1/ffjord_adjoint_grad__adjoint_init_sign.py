"""Initialises the adjoint with a(0) = z(0) instead of grad log N(z(0); 0, I) = -z(0).

mistake: ffjord_adjoint_grad: adjoint_init_sign
source: 001_d4f722768cb25930.txt, problem 3
"""
import torch


def _f_only(f, z, s):
    with torch.no_grad():
        return f(z, s)


def _adjoint_rhs(f, params, z, a, s, nu):
    """da/ds = -a df/dz - d/dz(nu^T J nu), db/ds = -a df/dtheta - d/dtheta(nu^T J nu)."""
    with torch.enable_grad():
        z = z.detach().requires_grad_(True)
        fz = f(z, s)
        Jt_nu = torch.autograd.grad((fz * nu).sum(), z, create_graph=True)[0]
        trace_est = (Jt_nu * nu).sum()
        total = (a.detach() * fz).sum() + trace_est
        grads = torch.autograd.grad(total, [z] + params, allow_unused=True)
    dz = fz.detach()
    da = -grads[0]
    db = []
    for g, p in zip(grads[1:], params):
        db.append(-(torch.zeros_like(p) if g is None else g))
    return dz, da, db


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = list(f.parameters())
    h = 1.0 / n_steps

    # 1) solve z backwards from s=1 to s=0 to get z(0)
    z = x.detach().clone()
    for i in range(n_steps):
        s = 1.0 - i * h
        k1 = _f_only(f, z, s)
        k2 = _f_only(f, z - h / 2 * k1, s - h / 2)
        k3 = _f_only(f, z - h / 2 * k2, s - h / 2)
        k4 = _f_only(f, z - h * k3, s - h)
        z = z - h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    # 2) adjoint state forward in s from 0 to 1
    a = z.clone()                      # d log p_Z / dz at z(0)
    b = [torch.zeros_like(p) for p in params]
    for i in range(n_steps):
        s = i * h
        z1, a1, b1 = _adjoint_rhs(f, params, z, a, s, nu)
        z2, a2, b2 = _adjoint_rhs(f, params, z + h / 2 * z1, a + h / 2 * a1, s + h / 2, nu)
        z3, a3, b3 = _adjoint_rhs(f, params, z + h / 2 * z2, a + h / 2 * a2, s + h / 2, nu)
        z4, a4, b4 = _adjoint_rhs(f, params, z + h * z3, a + h * a3, s + h, nu)
        z = z + h / 6 * (z1 + 2 * z2 + 2 * z3 + z4)
        a = a + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        b = [bb + h / 6 * (q1 + 2 * q2 + 2 * q3 + q4) for bb, q1, q2, q3, q4 in zip(b, b1, b2, b3, b4)]
    return tuple(bb.detach() for bb in b)
