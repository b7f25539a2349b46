"""Returns the gradient of the negative log-likelihood (the training loss) instead of the log-likelihood.

mistake: ffjord_adjoint_grad: negated_gradient
source: 001_d4f722768cb25930.txt, problem 3
"""
import torch


def _aug(f, params, z, a, nu, s):
    with torch.enable_grad():
        zr = z.detach().requires_grad_(True)
        fz = f(zr, s)
        nj = torch.autograd.grad(fz, zr, grad_outputs=nu, create_graph=True)[0]
        tot = (a.detach() * fz).sum() + (nj * nu).sum()
        gr = torch.autograd.grad(tot, [zr, *params], allow_unused=True)
    db = [torch.zeros_like(p) if g is None else -g for g, p in zip(gr[1:], params)]
    return fz.detach(), -gr[0], db


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = list(f.parameters())
    h = 1.0 / n_steps
    z = x.clone()
    with torch.no_grad():
        for i in range(n_steps):
            s = 1 - i * h
            k1 = f(z, s)
            k2 = f(z - h / 2 * k1, s - h / 2)
            k3 = f(z - h / 2 * k2, s - h / 2)
            k4 = f(z - h * k3, s - h)
            z = z - h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    a = -z
    b = [torch.zeros_like(p) for p in params]
    for i in range(n_steps):
        s = i * h
        z1, a1, b1 = _aug(f, params, z, a, nu, s)
        z2, a2, b2 = _aug(f, params, z + h / 2 * z1, a + h / 2 * a1, nu, s + h / 2)
        z3, a3, b3 = _aug(f, params, z + h / 2 * z2, a + h / 2 * a2, nu, s + h / 2)
        z4, a4, b4 = _aug(f, params, z + h * z3, a + h * a3, nu, s + h)
        z = z + h * (z1 + 2 * z2 + 2 * z3 + z4) / 6
        a = a + h * (a1 + 2 * a2 + 2 * a3 + a4) / 6
        b = [bj + h * (c1 + 2 * c2 + 2 * c3 + c4) / 6 for bj, c1, c2, c3, c4 in zip(b, b1, b2, b3, b4)]
    # loss = -log p, so we want its gradient for training
    return tuple(-bj for bj in b)
