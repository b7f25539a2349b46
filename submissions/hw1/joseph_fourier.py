# HW 1 -- Joseph Fourier
import math
import torch


def tweedie_posterior_mean(y, score, Sigma):
    grad_log_p = score(y)
    return y + torch.matmul(grad_log_p, Sigma.T)


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[1]
    dist2 = torch.sum((mu1 - mu0) * (mu1 - mu0), dim=1)
    return dist2 / (2 * sigma1 ** 2) + d * (sigma0 ** 2 / sigma1 ** 2 - 1) / 2 + d * torch.log(sigma1 / sigma0)


def _solve(f, x, nu, n_steps):
    h = 1.0 / n_steps

    def rhs(z, s):
        fz = f(z, s)
        u, = torch.autograd.grad(fz, z, nu, create_graph=True)
        return fz, -torch.sum(u * nu, dim=1)

    with torch.enable_grad():
        z = x.detach().clone().requires_grad_(True)
        l = torch.zeros(x.shape[0], dtype=torch.float64)
        s = 1.0
        for _ in range(n_steps):
            k1, m1 = rhs(z, s)
            k2, m2 = rhs(z - h / 2 * k1, s - h / 2)
            k3, m3 = rhs(z - h / 2 * k2, s - h / 2)
            k4, m4 = rhs(z - h * k3, s - h)
            z = z - h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            l = l - h / 6 * (m1 + 2 * m2 + 2 * m3 + m4)
            s = s - h
        logp0 = -0.5 * torch.sum(z ** 2, dim=1) - z.shape[1] / 2 * math.log(2 * math.pi)
        return logp0 - l


def ffjord_log_density(f, x, nu, n_steps):
    return _solve(f, x, nu, n_steps).detach()


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = list(f.parameters())
    with torch.enable_grad():
        obj = _solve(f, x, nu, n_steps).sum()
        grads = torch.autograd.grad(obj, params, allow_unused=True)
    return tuple(torch.zeros_like(p) if g is None else g for p, g in zip(params, grads))


def backprop_v1(nodes, edges, jac, out):
    grad = {out: torch.ones(1, 1, dtype=torch.float64)}
    for v in reversed(nodes):
        if v == out:
            continue
        acc = None
        for (a, w) in edges:
            if a == v:
                term = grad[w] @ jac[(v, w)]
                acc = term if acc is None else acc + term
        grad[v] = acc
    return grad


def backprop_v2(nodes, edges, jac, out):
    grad = {}
    for (u, v) in edges:
        grad[u] = torch.zeros(1, jac[(u, v)].shape[1], dtype=torch.float64)
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    for v in reversed(nodes):
        for (u, w) in edges:
            if w == v:
                grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad


def fokker_planck_rhs(p, x, f, rho):
    # dp/dt = -(f p)_x + D p_xx with diffusion coefficient D
    dx = x[1] - x[0]
    D = rho ** 2
    fp = f * p
    return -(fp[2:] - fp[:-2]) / (2 * dx) + D * (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2


def ve_sde_sample(x0, sigma2, noise):
    x = x0.clone()
    for k in range(len(noise)):
        x = x + torch.sqrt(sigma2[k + 1] - sigma2[k]) * noise[k]
    return x


def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam / 2) * g ** 2 * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    for k in range(len(ts) - 1):
        h = (ts[k] - ts[k + 1]).item()
        f = -0.5 * x
        x = x - h * (f - (1 - lam / 2) * score(x, ts[k].item())) + math.sqrt((1 - lam) * h) * noise[k]
    return x
