"""HW1 (Srinivasa Ramanujan)."""
import math
import torch


def tweedie_posterior_mean(y, score, Sigma):
    g = score(y)
    # posterior mean = y + Sigma^{-1} * score  (solve instead of inverting)
    correction = torch.linalg.solve(Sigma, g.T).T
    return y + correction


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    d = mu0.size(1)
    return (
        (mu1 - mu0).pow(2).sum(1) / (2 * sigma1.pow(2))
        + 0.5 * d * (sigma0.pow(2) / sigma1.pow(2) - 1)
        + d * (torch.log(sigma1) - torch.log(sigma0))
    )


def _vjp_and_quadratic(f, z, s, nu, create_graph):
    with torch.enable_grad():
        z = z.detach().requires_grad_(True)
        out = f(z, s)
        vJ = torch.autograd.grad(out, z, nu, create_graph=create_graph)[0]
        quad = (vJ * nu).sum(-1)
    return z, out, quad


def ffjord_log_density(f, x, nu, n_steps):
    dt = -1.0 / n_steps   # going backwards in s

    def field(z, s):
        _, fz, q = _vjp_and_quadratic(f, z, s, nu, False)
        return fz.detach(), -q.detach()

    z, logdet, s = x.clone(), torch.zeros(len(x), dtype=x.dtype), 1.0
    for _ in range(n_steps):
        k1 = field(z, s)
        k2 = field(z + dt / 2 * k1[0], s + dt / 2)
        k3 = field(z + dt / 2 * k2[0], s + dt / 2)
        k4 = field(z + dt * k3[0], s + dt)
        z = z + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        logdet = logdet + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        s = s + dt
    D = x.shape[1]
    return -0.5 * (z * z).sum(-1) - D / 2 * math.log(2 * math.pi) - logdet


def ffjord_adjoint_grad(f, x, nu, n_steps):
    params = tuple(f.parameters())
    dt = 1.0 / n_steps

    # z(0): backwards solve of the state only
    z = x.clone()
    with torch.no_grad():
        s = 1.0
        for _ in range(n_steps):
            k1 = f(z, s)
            k2 = f(z - dt / 2 * k1, s - dt / 2)
            k3 = f(z - dt / 2 * k2, s - dt / 2)
            k4 = f(z - dt * k3, s - dt)
            z = z - dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            s -= dt

    def aug(z, a, s):
        # returns dz, da, db of the adjoint system
        with torch.enable_grad():
            zr, fz, q = _vjp_and_quadratic(f, z, s, nu, True)
            scalar = (a.detach() * fz).sum() + q.sum()
            g = torch.autograd.grad(scalar, [zr] + list(params), allow_unused=True)
        db = [(-gi if gi is not None else torch.zeros_like(p)) for gi, p in zip(g[1:], params)]
        return fz.detach(), -g[0], db

    a = -z                               # d/dz log N(z; 0, I)
    b = [torch.zeros_like(p) for p in params]
    s = 0.0
    for _ in range(n_steps):
        z1, a1, b1 = aug(z, a, s)
        z2, a2, b2 = aug(z + dt / 2 * z1, a + dt / 2 * a1, s + dt / 2)
        z3, a3, b3 = aug(z + dt / 2 * z2, a + dt / 2 * a2, s + dt / 2)
        z4, a4, b4 = aug(z + dt * z3, a + dt * a3, s + dt)
        z = z + dt / 6 * (z1 + 2 * z2 + 2 * z3 + z4)
        a = a + dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        b = [bb + dt / 6 * (p1 + 2 * p2 + 2 * p3 + p4) for bb, p1, p2, p3, p4 in zip(b, b1, b2, b3, b4)]
        s += dt
    return tuple(b)


def backprop_v1(nodes, edges, jac, out):
    dim = {out: 1}
    for (u, v), J in jac.items():
        dim[u], dim[v] = J.shape[1], J.shape[0]
    grad = {v: torch.zeros(1, dim[v], dtype=torch.float64) for v in nodes}
    grad[out] = torch.tensor([[1.0]], dtype=torch.float64)
    for v in reversed(nodes):
        for (p, w) in edges:
            if p == v:
                grad[v] = grad[v] + grad[w] @ jac[(v, w)]
    return grad


def backprop_v2(nodes, edges, jac, out):
    dim = {out: 1}
    for (u, v), J in jac.items():
        dim[u], dim[v] = J.shape[1], J.shape[0]
    grad = {v: torch.zeros(1, dim[v], dtype=torch.float64) for v in nodes}
    grad[out] = torch.tensor([[1.0]], dtype=torch.float64)
    for v in reversed(nodes):
        for (u, c) in edges:
            if c == v:
                grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad


def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    q = f * p
    return (-(q[2:] - q[:-2]) / (2 * dx)
            + (rho ** 2 / 2) * (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2)


def ve_sde_sample(x0, sigma2, noise):
    steps = torch.sqrt(torch.diff(sigma2))
    return x0 + steps @ noise


def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - 0.5 * lam) * g * g * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T.clone()
    for k in range(ts.shape[0] - 1):
        t = ts[k].item()
        h = (ts[k] - ts[k + 1]).item()
        x = x - h * reverse_sde_drift(x, -0.5 * x, 1.0, score(x, t), lam) \
            + math.sqrt((1 - lam) * h) * noise[k]
    return x
