"""Uses dl/ds = +nu^T (df/dz) nu, dropping the minus sign of the trace dynamics.

mistake: ffjord_log_density: trace_sign
source: 001_d4f722768cb25930.txt, problem 3
"""
import math

import torch


def _rhs(f, z, nu, s):
    with torch.enable_grad():
        zr = z.detach().requires_grad_(True)
        out = f(zr, s)
        (vjp,) = torch.autograd.grad(out, zr, grad_outputs=nu)
    hutch = (vjp * nu).sum(dim=1)
    return out.detach(), hutch


def ffjord_log_density(f, x, nu, n_steps):
    h = 1.0 / n_steps
    z = x.clone()
    l = x.new_zeros(x.shape[0])
    s = 1.0
    for _ in range(n_steps):
        # RK4 with step -h (from s = 1 to s = 0)
        a1, b1 = _rhs(f, z, nu, s)
        a2, b2 = _rhs(f, z - 0.5 * h * a1, nu, s - 0.5 * h)
        a3, b3 = _rhs(f, z - 0.5 * h * a2, nu, s - 0.5 * h)
        a4, b4 = _rhs(f, z - h * a3, nu, s - h)
        z = z - h * (a1 + 2 * a2 + 2 * a3 + a4) / 6
        l = l - h * (b1 + 2 * b2 + 2 * b3 + b4) / 6
        s = s - h
    D = x.shape[1]
    return -0.5 * (z ** 2).sum(1) - 0.5 * D * math.log(2 * math.pi) - l
