"""Evaluates all four RK4 stages at the start time s of the step instead of s - h/2 and s - h.

mistake: ffjord_log_density: rk4_stage_times
source: 001_d4f722768cb25930.txt, problem 3
"""
import math

import torch


def _dyn(f, z, nu, s):
    with torch.enable_grad():
        zz = z.detach().requires_grad_(True)
        v = f(zz, s)
        nuJ = torch.autograd.grad(v, zz, grad_outputs=nu)[0]
    return v.detach(), -torch.einsum('nd,nd->n', nuJ, nu)


def ffjord_log_density(f, x, nu, n_steps):
    h = -1.0 / n_steps
    z = x.clone()
    l = torch.zeros(x.shape[0], dtype=x.dtype)
    for k in range(n_steps):
        s = 1.0 + k * h
        k1z, k1l = _dyn(f, z, nu, s)
        k2z, k2l = _dyn(f, z + 0.5 * h * k1z, nu, s)
        k3z, k3l = _dyn(f, z + 0.5 * h * k2z, nu, s)
        k4z, k4l = _dyn(f, z + h * k3z, nu, s)
        z = z + (h / 6) * (k1z + 2 * k2z + 2 * k3z + k4z)
        l = l + (h / 6) * (k1l + 2 * k2l + 2 * k3l + k4l)
    D = z.shape[1]
    return -0.5 * (z ** 2).sum(1) - D / 2 * math.log(2 * math.pi) - l
