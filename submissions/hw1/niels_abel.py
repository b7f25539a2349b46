"""
Homework 1 -- Niels Henrik Abel
"""
import math
import torch

LOG2PI = math.log(2 * math.pi)


def tweedie_posterior_mean(y, score, Sigma):
    return y + score(y) @ Sigma.T


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[1]
    return (0.5 * ((mu1 - mu0) ** 2).sum(1) / sigma1 ** 2
            + 0.5 * d * ((sigma0 / sigma1) ** 2 - 1)
            + d * torch.log(sigma1 / sigma0))


def _field(f, z, s, nu, keep_graph=False):
    with torch.enable_grad():
        z = z.detach().requires_grad_(True)
        fz = f(z, s)
        nuJ = torch.autograd.grad(fz, z, nu, create_graph=keep_graph)[0]
        return z, fz, (nuJ * nu).sum(1)


def _rk4(F, y, s, h):
    k1 = F(y, s)
    k2 = F([a + h / 2 * b for a, b in zip(y, k1)], s + h / 2)
    k3 = F([a + h / 2 * b for a, b in zip(y, k2)], s + h / 2)
    k4 = F([a + h * b for a, b in zip(y, k3)], s + h)
    return [a + h / 6 * (b1 + 2 * b2 + 2 * b3 + b4) for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4)]


def ffjord_log_density(f, x, nu, n_steps):
    def F(y, s):
        _, fz, q = _field(f, y[0], s, nu)
        return [fz.detach(), -q.detach()]

    h = -1.0 / n_steps
    y = [x.clone(), torch.zeros(x.shape[0], dtype=x.dtype)]
    for i in range(n_steps):
        y = _rk4(F, y, 1.0 + i * h, h)
    z, l = y
    return -0.5 * (z ** 2).sum(1) - 0.5 * z.shape[1] * LOG2PI - l


def ffjord_adjoint_grad(f, x, nu, n_steps):
    theta = tuple(f.parameters())
    P = len(theta)

    def Fz(y, s):
        with torch.no_grad():
            return [f(y[0], s)]

    h = 1.0 / n_steps
    y = [x.clone()]
    for i in range(n_steps):
        y = _rk4(Fz, y, 1.0 - i * h, -h)
    z0 = y[0]

    def F(y, s):
        z, a = y[0], y[1]
        with torch.enable_grad():
            zr, fz, q = _field(f, z, s, nu, keep_graph=True)
            grads = torch.autograd.grad((a.detach() * fz).sum() + q.sum(), (zr,) + theta,
                                        allow_unused=True)
        out = [fz.detach(), -grads[0]]
        for g, p in zip(grads[1:], theta):
            out.append(torch.zeros_like(p) if g is None else -g)
        return out

    y = [z0, -z0] + [torch.zeros_like(p) for p in theta]
    for i in range(n_steps):
        y = _rk4(F, y, i * h, h)
    return tuple(y[2:2 + P])


def backprop_v1(nodes, edges, jac, out):
    grad = {v: None for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    for v in reversed(nodes):
        for (a, w) in edges:
            if a == v:
                c = grad[w] @ jac[(v, w)]
                grad[v] = c if grad[v] is None else grad[v] + c
    return grad


def backprop_v2(nodes, edges, jac, out):
    grad = {v: None for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    for v in reversed(nodes):
        for (u, b) in edges:
            if b == v:
                c = grad[v] @ jac[(u, v)]
                grad[u] = c if grad[u] is None else grad[u] + c
    return grad


def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    fp = f * p
    return -(fp[2:] - fp[:-2]) / (2 * dx) + rho ** 2 / 2 * (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2


def ve_sde_sample(x0, sigma2, noise):
    # X_t = X_0 + sigma_t-increments times standard normals
    sigma = torch.sqrt(sigma2)
    x = x0.clone()
    for k in range(noise.shape[0]):
        x = x + (sigma[k + 1] - sigma[k]) * noise[k]
    return x


def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam / 2) * g ** 2 * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T
    for k in range(ts.shape[0] - 1):
        h = float(ts[k] - ts[k + 1])
        x = x - h * reverse_sde_drift(x, -x / 2, 1.0, score(x, float(ts[k])), lam) \
            + math.sqrt((1 - lam) * h) * noise[k]
    return x
