"""Integrates the augmented ODE with explicit Euler steps instead of classical RK4.

mistake: ffjord_log_density: euler_instead_of_rk4
source: 001_d4f722768cb25930.txt, problem 3
"""
import math

import torch


def ffjord_log_density(f, x, nu, n_steps):
    N, D = x.shape
    ds = 1.0 / n_steps
    z = x.clone()
    ell = torch.zeros(N, dtype=x.dtype)
    s = 1.0
    for _ in range(n_steps):
        with torch.enable_grad():
            zr = z.detach().requires_grad_(True)
            fz = f(zr, s)
            (vJ,) = torch.autograd.grad(fz, zr, grad_outputs=nu)
        dl = -(vJ * nu).sum(1)
        # backwards in s: s -> s - ds
        z = z - ds * fz.detach()
        ell = ell - ds * dl
        s -= ds
    log_pz = -0.5 * (z * z).sum(1) - 0.5 * D * math.log(2 * math.pi)
    return log_pz - ell
