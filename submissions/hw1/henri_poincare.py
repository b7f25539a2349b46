# HW1 -- Henri Poincare
import math
import torch


def tweedie_posterior_mean(y, score, Sigma):
    # E[X|Y] = Y + Sigma grad log p_Y(Y), applied row by row
    return y + torch.einsum("ij,nj->ni", Sigma, score(y))


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    # KL between N(mu0, s0^2 I) and N(mu1, s1^2 I)
    d = mu0.shape[1]
    v0 = sigma0 ** 2
    v1 = sigma1 ** 2
    return (torch.sum((mu0 - mu1) ** 2, dim=1) / (2 * v0)
            + d * (v1 / v0 - 1) / 2
            + d * torch.log(sigma0 / sigma1))


# ----- FFJORD -----

def _rk4_logdensity(f, x, nu, n_steps):
    """Differentiable (w.r.t. the parameters of f) RK4 solve of the (z, l) system."""
    def F(z, s):
        fz = f(z, s)
        g = torch.autograd.grad((fz * nu).sum(), z, create_graph=True)[0]
        return fz, -(g * nu).sum(1)

    h = 1.0 / n_steps
    with torch.enable_grad():
        z = x.detach().clone().requires_grad_(True)
        l = x.new_zeros(x.shape[0])
        for i in range(n_steps):
            s = 1.0 - i * h
            a1, b1 = F(z, s)
            a2, b2 = F(z - h / 2 * a1, s - h / 2)
            a3, b3 = F(z - h / 2 * a2, s - h / 2)
            a4, b4 = F(z - h * a3, s - h)
            z = z - h * (a1 + 2 * a2 + 2 * a3 + a4) / 6
            l = l - h * (b1 + 2 * b2 + 2 * b3 + b4) / 6
        logpz = -0.5 * (z ** 2).sum(1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
        return logpz - l


def ffjord_log_density(f, x, nu, n_steps):
    return _rk4_logdensity(f, x, nu, n_steps).detach()


def ffjord_adjoint_grad(f, x, nu, n_steps):
    # I backpropagate through the solver instead of solving the adjoint ODE
    params = list(f.parameters())
    with torch.enable_grad():
        loss = _rk4_logdensity(f, x, nu, n_steps).sum()
        grads = torch.autograd.grad(loss, params, allow_unused=True)
    return tuple(torch.zeros_like(p) if g is None else g for g, p in zip(grads, params))


# ----- backprop on a DAG -----

def _zero_grads(nodes, edges, jac, out):
    grads = {}
    for (u, v) in edges:
        J = jac[(u, v)]
        grads[u] = torch.zeros(1, J.shape[1], dtype=J.dtype)
        grads[v] = torch.zeros(1, J.shape[0], dtype=J.dtype)
    grads[out] = torch.ones(1, 1, dtype=torch.float64)
    return grads


def backprop_v1(nodes, edges, jac, out):
    grads = _zero_grads(nodes, edges, jac, out)
    for v in nodes[::-1]:
        for (a, w) in edges:
            if a == v:
                grads[v] = grads[v] + grads[w] @ jac[(v, w)]
    return grads


def backprop_v2(nodes, edges, jac, out):
    grads = _zero_grads(nodes, edges, jac, out)
    for v in nodes[::-1]:
        for (u, b) in edges:
            if b == v:
                grads[u] = grads[u] + grads[v] @ jac[(u, v)]
    return grads


# ----- Fokker-Planck -----

def fokker_planck_rhs(p, x, f, rho):
    h = (x[-1] - x[0]) / (len(x) - 1)
    flux = f * p
    d_flux = (flux[2:] - flux[:-2]) / (2 * h)
    lap = (p[2:] - 2 * p[1:-1] + p[:-2]) / h ** 2
    return -d_flux + rho ** 2 / 2 * lap


# ----- VE SDE -----

def ve_sde_sample(x0, sigma2, noise):
    x = x0
    for k in range(noise.shape[0]):
        x = x + torch.sqrt(sigma2[k + 1] - sigma2[k]) * noise[k]
    return x


# ----- reverse SDEs -----

def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam / 2) * g ** 2 * score


def reverse_sde_sample(x_T, ts, score, lam, noise):
    x = x_T
    for k in range(len(ts) - 1):
        h = float(ts[k] - ts[k + 1])
        t = float(ts[k])
        x = x - h * (-x / 2 - (1 - lam / 2) * score(x, t)) + math.sqrt((1 - lam) * h) * noise[k]
    return x
