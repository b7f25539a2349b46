"""Returns log N(z(0)) + l(0) instead of log N(z(0)) - l(0).

mistake: ffjord_log_density: adds_l_at_zero
source: 001_d4f722768cb25930.txt, problem 3
"""
import math
import torch


def _rhs(f, z, s, nu):
    # returns (dz/ds, dl/ds) with dl/ds = -nu^T (df/dz) nu, one value per row
    with torch.enable_grad():
        zz = z.detach().clone().requires_grad_(True)
        out = f(zz, s)
        vjp = torch.autograd.grad(out, zz, grad_outputs=nu)[0]   # nu^T J per row
    return out.detach(), -(vjp * nu).sum(dim=1)


def ffjord_log_density(f, x, nu, n_steps):
    N, D = x.shape
    h = 1.0 / n_steps
    z = x.detach().clone()
    l = torch.zeros(N, dtype=x.dtype)
    s = 1.0
    # integrate backwards in pseudo-time, s: 1 -> 0
    for i in range(n_steps):
        a_z, a_l = _rhs(f, z, s, nu)
        b_z, b_l = _rhs(f, z - 0.5 * h * a_z, s - 0.5 * h, nu)
        c_z, c_l = _rhs(f, z - 0.5 * h * b_z, s - 0.5 * h, nu)
        d_z, d_l = _rhs(f, z - h * c_z, s - h, nu)
        z = z - h * (a_z + 2 * b_z + 2 * c_z + d_z) / 6
        l = l - h * (a_l + 2 * b_l + 2 * c_l + d_l) / 6
        s = 1.0 - (i + 1) * h
    log_pz = -0.5 * (z * z).sum(dim=1) - 0.5 * D * math.log(2 * math.pi)
    return log_pz + l
