# Homework 1 / Evariste Galois
import math
import torch


def tweedie_posterior_mean(y, score, Sigma):
    out = y.clone()
    s = score(y)
    for n in range(y.shape[0]):
        out[n] = y[n] + Sigma @ s[n]
    return out


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.shape[1]
    kl = []
    for n in range(mu0.shape[0]):
        s0, s1 = sigma0[n], sigma1[n]
        kl.append(torch.dot(mu1[n] - mu0[n], mu1[n] - mu0[n]) / (2 * s1 ** 2)
                  + d / 2 * (s0 ** 2 / s1 ** 2 - 1) + d * torch.log(s1 / s0))
    return torch.stack(kl)


def _log_density(f, x, nu, n_steps):
    h = 1.0 / n_steps
    N, D = x.shape

    def vel(z, s):
        fz = f(z, s)
        vj = torch.autograd.grad(fz, z, grad_outputs=nu, create_graph=True)[0]
        return fz, -(vj * nu).sum(1)

    with torch.enable_grad():
        z = x.detach().clone().requires_grad_(True)
        l = torch.zeros(N, dtype=x.dtype)
        for k in range(n_steps):
            s = 1.0 - k / n_steps
            dz1, dl1 = vel(z, s)
            dz2, dl2 = vel(z - 0.5 * h * dz1, s - 0.5 * h)
            dz3, dl3 = vel(z - 0.5 * h * dz2, s - 0.5 * h)
            dz4, dl4 = vel(z - h * dz3, s - h)
            z = z - h * (dz1 + 2 * dz2 + 2 * dz3 + dz4) / 6
            l = l - h * (dl1 + 2 * dl2 + 2 * dl3 + dl4) / 6
        return -0.5 * (z * z).sum(1) - 0.5 * D * math.log(2 * math.pi) - l


def ffjord_log_density(f, x, nu, n_steps):
    return _log_density(f, x, nu, n_steps).detach()


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = tuple(f.parameters())
    with torch.enable_grad():
        lp = _log_density(f, x, nu, n_steps)
        g = torch.autograd.grad(lp.sum(), params, allow_unused=True)
    return tuple(torch.zeros_like(p) if gi is None else gi.detach() for gi, p in zip(g, params))


def backprop_v1(nodes, edges, jac, out):
    grads = {out: torch.ones(1, 1, dtype=torch.float64)}
    for (u, v) in edges:
        grads[u] = torch.zeros(1, jac[(u, v)].shape[1], dtype=torch.float64)
    for v in nodes[::-1]:
        for (u, w) in edges:
            if u == v:
                grads[v] = grads[v] + grads[w] @ jac[(u, w)]
    return grads


def backprop_v2(nodes, edges, jac, out):
    grads = {out: torch.ones(1, 1, dtype=torch.float64)}
    for (u, v) in edges:
        grads[u] = torch.zeros(1, jac[(u, v)].shape[1], dtype=torch.float64)
    for v in nodes[::-1]:
        for (u, w) in edges:
            if w == v:
                grads[u] = grads[u] + grads[v] @ jac[(u, w)]
    return grads


def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    pf = p * f
    first = (pf[2:] - pf[:-2]) / (2 * dx)
    second = (p[2:] - 2 * p[1:-1] + p[:-2]) / (dx * dx)
    return -first + (rho ** 2 / 2) * second


def ve_sde_sample(x0, sigma2, noise):
    return x0 + torch.sum(torch.sqrt(sigma2[1:] - sigma2[:-1]).reshape(-1, 1) * noise, dim=0)


def reverse_sde_drift(x, f, g, score, lam):
    # lam = 0: reverse SDE, lam = 1: probability flow ODE
    return f - (1 - lam) * g ** 2 * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    c = 1 - lam / 2
    for k in range(len(ts) - 1):
        tk = float(ts[k])
        h = tk - float(ts[k + 1])
        x = x + h * (x / 2 + c * score(x, tk)) + math.sqrt((1 - lam) * h) * noise[k]
    return x
