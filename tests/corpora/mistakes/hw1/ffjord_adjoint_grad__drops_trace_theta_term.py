"""Leaves out the -d/dtheta nu^T (df/dz) nu term from the b dynamics (keeps only -a df/dtheta).

mistake: ffjord_adjoint_grad: drops_trace_theta_term
source: 001_d4f722768cb25930.txt, problem 3
"""
import torch


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = tuple(f.parameters())
    h = 1.0 / n_steps

    def zdot(z, s):
        with torch.no_grad():
            return f(z, s)

    # backward pass for z(0)
    z = x.clone()
    for k in range(n_steps):
        s = 1.0 - k * h
        k1 = zdot(z, s)
        k2 = zdot(z - h / 2 * k1, s - h / 2)
        k3 = zdot(z - h / 2 * k2, s - h / 2)
        k4 = zdot(z - h * k3, s - h)
        z = z - h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    def aug(z, a, s):
        with torch.enable_grad():
            zr = z.detach().requires_grad_(True)
            fz = f(zr, s)
            vj = torch.autograd.grad(fz, zr, nu, create_graph=True)[0]
            tr = (vj * nu).sum()
            # a-dynamics: -a df/dz - d/dz (nu^T J nu)
            az = torch.autograd.grad((a.detach() * fz).sum() + tr, zr, retain_graph=True)[0]
            # b-dynamics: -a df/dtheta
            bt = torch.autograd.grad((a.detach() * fz).sum(), params, allow_unused=True)
        bt = [torch.zeros_like(p) if g is None else g for g, p in zip(bt, params)]
        return fz.detach(), -az, [-g for g in bt]

    a = -z.clone()
    b = [torch.zeros_like(p) for p in params]
    for k in range(n_steps):
        s = k * h
        z1, a1, b1 = aug(z, a, s)
        z2, a2, b2 = aug(z + h / 2 * z1, a + h / 2 * a1, s + h / 2)
        z3, a3, b3 = aug(z + h / 2 * z2, a + h / 2 * a2, s + h / 2)
        z4, a4, b4 = aug(z + h * z3, a + h * a3, s + h)
        z = z + h / 6 * (z1 + 2 * z2 + 2 * z3 + z4)
        a = a + h / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        b = [bb + h / 6 * (c1 + 2 * c2 + 2 * c3 + c4) for bb, c1, c2, c3, c4 in zip(b, b1, b2, b3, b4)]
    return tuple(b)
