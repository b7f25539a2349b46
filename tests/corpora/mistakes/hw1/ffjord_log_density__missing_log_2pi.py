"""Drops the normalising constant -D/2 log(2 pi) from log N(z(0); 0, I).

mistake: ffjord_log_density: missing_log_2pi
source: 001_d4f722768cb25930.txt, problem 3
"""
import torch


def ffjord_log_density(f, x, nu, n_steps):
    def F(z, s):
        with torch.enable_grad():
            z = z.detach().requires_grad_(True)
            fz = f(z, s)
            g = torch.autograd.grad(fz, z, nu)[0]
        return fz.detach(), -(g * nu).sum(-1)

    h = -1.0 / n_steps
    z, l, s = x.clone(), torch.zeros(len(x), dtype=x.dtype), 1.0
    for i in range(n_steps):
        k1, m1 = F(z, s)
        k2, m2 = F(z + h / 2 * k1, s + h / 2)
        k3, m3 = F(z + h / 2 * k2, s + h / 2)
        k4, m4 = F(z + h * k3, s + h)
        z = z + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        l = l + h * (m1 + 2 * m2 + 2 * m3 + m4) / 6
        s = 1.0 + (i + 1) * h
    # standard normal log density
    log_p0 = -0.5 * (z ** 2).sum(-1)
    return log_p0 - l
