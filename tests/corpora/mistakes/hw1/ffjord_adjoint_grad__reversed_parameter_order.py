"""Returns the parameter gradients last layer first (reversed), not in the order of f.parameters().

mistake: ffjord_adjoint_grad: reversed_parameter_order
source: 001_d4f722768cb25930.txt, problem 3
"""
import torch


def _z0(f, x, n):
    h = 1.0 / n
    z = x.detach().clone()
    with torch.no_grad():
        for i in range(n):
            s = 1.0 - i * h
            k1 = f(z, s)
            k2 = f(z - 0.5 * h * k1, s - 0.5 * h)
            k3 = f(z - 0.5 * h * k2, s - 0.5 * h)
            k4 = f(z - h * k3, s - h)
            z = z - (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
    return z


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = list(f.parameters())
    P = len(params)

    def rhs(state, s):
        z, a = state[0], state[1]
        with torch.enable_grad():
            zr = z.detach().requires_grad_(True)
            fz = f(zr, s)
            nJ = torch.autograd.grad(fz, zr, grad_outputs=nu, create_graph=True)[0]
            H = (nJ * nu).sum() + (a.detach() * fz).sum()
            g = torch.autograd.grad(H, [zr] + params, allow_unused=True)
        return [fz.detach(), -g[0]] + [(-gi if gi is not None else torch.zeros_like(p))
                                       for gi, p in zip(g[1:], params)]

    z = _z0(f, x, n_steps)
    state = [z, -z] + [torch.zeros_like(p) for p in params]
    h = 1.0 / n_steps
    for i in range(n_steps):
        s = i * h
        k1 = rhs(state, s)
        k2 = rhs([u + 0.5 * h * k for u, k in zip(state, k1)], s + 0.5 * h)
        k3 = rhs([u + 0.5 * h * k for u, k in zip(state, k2)], s + 0.5 * h)
        k4 = rhs([u + h * k for u, k in zip(state, k3)], s + h)
        state = [u + h / 6 * (a + 2 * b + 2 * c + d) for u, a, b, c, d in zip(state, k1, k2, k3, k4)]
    grads = state[2:2 + P]
    # backprop goes from the last layer to the first
    return tuple(grads[::-1])
