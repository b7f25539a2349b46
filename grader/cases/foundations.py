"""Case generators for hw1: Tweedie, Gaussian KL, FFJORD, backprop, Fokker-Planck, SDEs.

Arguments in contract order (``shared/spec/course.md``, hw1); float64
tensors, Python numbers, lists/tuples/dicts of str (the backprop graphs) and
:class:`~grader.sandbox.protocol.Fixture` descriptions of the callables of
:mod:`grader.sandbox.fixtures_foundations`. Every generator takes a seeded
``torch.Generator`` first and draws everything from it, so the same seed
gives the same problem (the Fokker-Planck convergence check relies on this
to pose one problem on several grids).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from grader.cases._random import randint, randn, uniform
from grader.sandbox.protocol import Fixture

__all__ = ["CASES", "FokkerPlanckProblem", "fokker_planck_problem", "spd", "mixture_1d"]

_F64 = torch.float64


def _seed(g: torch.Generator) -> int:
    return int(torch.randint(0, 2**31 - 1, (1,), generator=g))


def _log_uniform(g: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    return torch.exp(uniform(g, math.log(low), math.log(high), *shape))


def spd(g: torch.Generator, d: int, low: float, high: float, kind: str = "full") -> torch.Tensor:
    """A random symmetric positive definite ``[d, d]`` matrix with eigenvalues in [low, high].

    ``kind``: ``"full"`` (random rotation), ``"diagonal"`` or ``"isotropic"``
    (c I with c drawn in [low, high]).
    """
    if kind == "isotropic":
        return float(uniform(g, low, high)) * torch.eye(d, dtype=_F64)
    eig = uniform(g, low, high, d)
    if kind == "diagonal":
        return torch.diag(eig)
    q, _ = torch.linalg.qr(randn(g, d, d))
    mat: torch.Tensor = q @ torch.diag(eig) @ q.T
    symmetric: torch.Tensor = 0.5 * (mat + mat.T)
    return symmetric


# -- problem 1: Tweedie -----------------------------------------------------------------------
def tweedie_posterior_mean(g: torch.Generator, N: int, d: int, Sigma: str = "full", K: int = 2,
                           y: str = "mixture") -> dict[str, Any]:
    """Arguments (y, score, Sigma) of ``tweedie_posterior_mean``.

    Parameters
    ----------
    N, d : int
        Batch size and dimension.
    Sigma : {"full", "diagonal", "isotropic"}
        Noise covariance, eigenvalues in [0.3, 2] (never the identity, on
        which Sigma, Sigma^{-1} and sqrt(Sigma) coincide).
    K : int
        Number of mixture components of the prior p_X.
    y : {"mixture", "wide"}
        ``"mixture"``: y drawn from p_Y itself (X from the mixture plus
        Z ~ N(0, Sigma)); ``"wide"``: y ~ N(0, 9 I), reaching the tails.

    Notes
    -----
    p_X = sum_k w_k N(m_k, C_k), m_k ~ N(0, 1.5^2 I), C_k SPD with
    eigenvalues in [0.1, 1]; ``score`` is the exact grad log p_Y
    (``noisy_mixture_score``).
    """
    w = uniform(g, 0.5, 1.5, K)
    w = w / w.sum()
    means = randn(g, K, d, scale=1.5)
    covs = torch.stack([spd(g, d, 0.1, 1.0) for _ in range(K)])
    S = spd(g, d, 0.3, 2.0, Sigma)
    if y == "wide":
        ys = randn(g, N, d, scale=3.0)
    else:
        k = torch.multinomial(w, N, replacement=True, generator=g)
        chol_c = torch.linalg.cholesky(covs)
        x = means[k] + torch.einsum("nij,nj->ni", chol_c[k], randn(g, N, d))
        ys = x + randn(g, N, d) @ torch.linalg.cholesky(S).T
    score = Fixture("noisy_mixture_score", {"w": w.tolist(), "means": means.tolist(),
                                            "covs": covs.tolist(), "Sigma": S.tolist()})
    return {"y": ys, "score": score, "Sigma": S}


# -- problem 2: Gaussian KL -------------------------------------------------------------------
def gaussian_kl(g: torch.Generator, N: int, d: int, sigma: str = "random",
                mu: str = "random") -> dict[str, Any]:
    """Arguments (mu0, sigma0, mu1, sigma1) of ``gaussian_kl``.

    Parameters
    ----------
    sigma : {"random", "equal"}
        Standard deviations ``[N]`` log-uniform in [0.2, 3], independent, or
        sigma1 = sigma0 (where the KL is |mu1 - mu0|^2 / (2 sigma^2), so
        swapping the arguments is invisible).
    mu : {"random", "equal"}
        ``"equal"``: mu1 = mu0 (only the variance terms remain).
    """
    mu0 = randn(g, N, d, scale=1.5)
    mu1 = mu0.clone() if mu == "equal" else randn(g, N, d, scale=1.5)
    sigma0 = _log_uniform(g, 0.2, 3.0, N)
    sigma1 = sigma0.clone() if sigma == "equal" else _log_uniform(g, 0.2, 3.0, N)
    return {"mu0": mu0, "sigma0": sigma0, "mu1": mu1, "sigma1": sigma1}


# -- problem 3: FFJORD ------------------------------------------------------------------------
def ffjord(g: torch.Generator, N: int, D: int, n_steps: int, field: str = "mlp", hidden: int = 16,
           scale: float = 0.5, probe: str = "gaussian", x_scale: float = 1.0,
           repeat: bool = False) -> dict[str, Any]:
    """Arguments (f, x, nu, n_steps) of ``ffjord_log_density`` and ``ffjord_adjoint_grad``.

    Parameters
    ----------
    N, D : int
        Number of rows and state dimension.
    n_steps : int
        RK4 steps (the adjoint is compared with autograd only for n_steps >= 8).
    field : {"mlp", "linear"}
        ``tanh_mlp_field`` (weights ``scale``) or ``linear_field`` (A = -0.3 I +
        0.3 N(0, 1) entries, b ~ N(0, 0.1)).
    probe : {"gaussian", "rademacher"}
        Distribution of the probes nu (both have E[nu nu^T] = I).
    repeat : bool
        One data point repeated on every row, each row with its own probe:
        the sum over rows is then N times the probe average (the
        statistical check of ``ffjord_adjoint_grad``).
    """
    if field == "linear":
        A = -0.3 * torch.eye(D, dtype=_F64) + randn(g, D, D, scale=0.3)
        f = Fixture("linear_field", {"A": A.tolist(), "b": randn(g, D, scale=0.1).tolist()})
    else:
        f = Fixture("tanh_mlp_field", {"D": D, "seed": _seed(g), "hidden": hidden, "scale": scale})
    x = randn(g, 1, D, scale=x_scale).repeat(N, 1) if repeat else randn(g, N, D, scale=x_scale)
    if probe == "rademacher":
        nu = randint(g, 0, 1, N, D).to(_F64) * 2 - 1
    else:
        nu = randn(g, N, D)
    return {"f": f, "x": x, "nu": nu, "n_steps": int(n_steps)}


# -- problem 4: backprop ----------------------------------------------------------------------
_NAMES = ["x", "w", "b", "h", "a", "u", "v", "k", "q", "r", "m", "c", "e", "g", "p", "s"]


def backprop(g: torch.Generator, shape: str = "random", n: int = 6, max_dim: int = 3,
             extra: float = 0.4) -> dict[str, Any]:
    """Arguments (nodes, edges, jac, out) of ``backprop_v1`` / ``backprop_v2``.

    Parameters
    ----------
    shape : {"pair", "chain", "diamond", "random"}
        ``"pair"``: x -> out (depth 1). ``"chain"``: n nodes in a line.
        ``"diamond"``: x -> a, x -> b, a -> out, b -> out, x -> out (a node
        with several children and a skip edge). ``"random"``: a DAG on n
        nodes where node i gets one child among the later nodes and every
        other later node is a child with probability ``extra``.
    n : int
        Number of nodes (``"chain"`` and ``"random"``), out included.
    max_dim : int
        Node dimensions are drawn in 1..max_dim; ``out`` has dimension 1.

    Notes
    -----
    Node names are short strings in a random order unrelated to their
    alphabetical order (``"k3", "b0", ...``), so sorting them is not a
    topological order; ``out`` is named ``"out"``. ``edges`` is a list of
    ``(u, v)`` tuples in a shuffled order; ``jac[(u, v)]`` is a
    ``[dim_v, dim_u]`` matrix with N(0, 1/dim_u) entries.
    """
    if shape == "pair":
        n_nodes, pairs = 2, [(0, 1)]
    elif shape == "chain":
        n_nodes, pairs = n, [(i, i + 1) for i in range(n - 1)]
    elif shape == "diamond":
        n_nodes, pairs = 4, [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)]
    else:
        n_nodes, pairs = n, []
        for i in range(n - 1):
            first = int(randint(g, i + 1, n - 1, 1))
            for j in range(i + 1, n):
                if j == first or float(uniform(g, 0.0, 1.0)) < extra:
                    pairs.append((i, j))
    labels = torch.randperm(len(_NAMES), generator=g)[: n_nodes - 1].tolist()
    names = [f"{_NAMES[k]}{i}" for i, k in enumerate(labels)] + ["out"]
    dims = [int(v) for v in randint(g, 1, max_dim, n_nodes - 1)] + [1]
    order = torch.randperm(len(pairs), generator=g).tolist()
    edges = [(names[pairs[k][0]], names[pairs[k][1]]) for k in order]
    jac = {}
    for k in order:
        i, j = pairs[k]
        jac[(names[i], names[j])] = randn(g, dims[j], dims[i], scale=1 / math.sqrt(dims[i]))
    return {"nodes": names, "edges": edges, "jac": jac, "out": "out"}


# -- problem 5: Fokker-Planck -----------------------------------------------------------------
@dataclass(frozen=True)
class FokkerPlanckProblem:
    r"""A 1-d Fokker-Planck right-hand side with a closed form.

    Density p = sum_k w_k N(m_k, v_k), drift f(x) = -a x + b sin(c x),
    constant rho. Then (hw1 problem 5, d = 1)

    .. math::

        \partial_t p = -(f p)' + \frac{\rho^2}{2} p''
                      = -f' p - f p' + \frac{\rho^2}{2} p'',

    with p' = -sum_k w_k N_k (x - m_k)/v_k, p'' = sum_k w_k N_k ((x - m_k)^2/v_k^2 - 1/v_k)
    and f' = -a + b c cos(c x). The OU case (b = 0, one component) is the
    contract's example: a Gaussian density under a linear drift.

    Attributes
    ----------
    w, m, v : tuple of float
        Mixture weights, means and variances.
    a, b, c : float
        Drift coefficients.
    rho : float
        Diffusion coefficient.
    lo, hi : float
        Ends of the domain (density below ~1e-8 of its peak there).
    """

    w: tuple[float, ...]
    m: tuple[float, ...]
    v: tuple[float, ...]
    a: float
    b: float
    c: float
    rho: float
    lo: float
    hi: float

    def _components(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        m = torch.tensor(self.m, dtype=_F64)
        v = torch.tensor(self.v, dtype=_F64)
        w = torch.tensor(self.w, dtype=_F64)
        diff = x[:, None] - m
        dens = w * torch.exp(-0.5 * diff * diff / v) / torch.sqrt(2 * math.pi * v)
        return diff, v, dens

    def density(self, x: torch.Tensor) -> torch.Tensor:
        """p(x)."""
        return self._components(x)[2].sum(1)

    def drift(self, x: torch.Tensor) -> torch.Tensor:
        """f(x) = -a x + b sin(c x)."""
        return -self.a * x + self.b * torch.sin(self.c * x)

    def rhs(self, x: torch.Tensor) -> torch.Tensor:
        """Exact -(f p)' + rho^2/2 p'' at ``x``."""
        diff, v, dens = self._components(x)
        p = dens.sum(1)
        dp = -(dens * diff / v).sum(1)
        d2p = (dens * (diff * diff / (v * v) - 1 / v)).sum(1)
        df = -self.a + self.b * self.c * torch.cos(self.c * x)
        return -(df * p + self.drift(x) * dp) + 0.5 * self.rho**2 * d2p


def fokker_planck_problem(g: torch.Generator, problem: str = "mixture") -> FokkerPlanckProblem:
    """Draw a Fokker-Planck problem.

    Parameters
    ----------
    problem : {"ou", "diffusion", "mixture"}
        ``"ou"``: one Gaussian component, drift -a x. ``"diffusion"``: two
        components, f = 0. ``"mixture"``: two components, drift
        -a x + b sin(c x).
    """
    rho = float(uniform(g, 0.5, 1.5))
    if problem == "ou":
        w, m, v = [1.0], [float(uniform(g, -1.0, 1.0))], [float(uniform(g, 0.3, 1.0))]
        a, b, c = float(uniform(g, 0.3, 1.5)), 0.0, 1.0
    else:
        w0 = float(uniform(g, 0.3, 0.7))
        w = [w0, 1 - w0]
        m = [float(uniform(g, -2.0, -0.5)), float(uniform(g, 0.5, 2.0))]
        v = [float(uniform(g, 0.2, 0.6)), float(uniform(g, 0.2, 0.6))]
        if problem == "diffusion":
            a, b, c = 0.0, 0.0, 1.0
        else:
            a, b, c = float(uniform(g, 0.3, 1.0)), float(uniform(g, 0.3, 1.0)), float(uniform(g, 0.5, 2.0))
    sd = math.sqrt(max(v))
    lo, hi = min(m) - 6.5 * sd, max(m) + 6.5 * sd
    return FokkerPlanckProblem(tuple(w), tuple(m), tuple(v), a, b, c, rho, lo, hi)


def fokker_planck_rhs(g: torch.Generator, M: int, problem: str = "mixture") -> dict[str, Any]:
    """Arguments (p, x, f, rho) of ``fokker_planck_rhs``: one problem on a grid of M points.

    The problem is drawn first (:func:`fokker_planck_problem`), so the same
    seed poses the same problem on every grid size M.
    """
    prob = fokker_planck_problem(g, problem)
    x = torch.linspace(prob.lo, prob.hi, M, dtype=_F64)
    return {"p": prob.density(x), "x": x, "f": prob.drift(x), "rho": prob.rho}


# -- problem 6: VE SDE ------------------------------------------------------------------------
def ve_sde_sample(g: torch.Generator, N: int, K: int, start: str = "positive",
                  flat: bool = False, inc_max: float = 2.0) -> dict[str, Any]:
    """Arguments (x0, sigma2, noise) of ``ve_sde_sample``.

    Parameters
    ----------
    N, K : int
        Batch size and number of steps (sigma2 has K + 1 entries).
    start : {"zero", "positive"}
        sigma2[0] = 0 or log-uniform in [0.01, 1].
    flat : bool
        Some increments are exactly zero (sigma_t^2 constant over a step:
        non-decreasing, not increasing).
    inc_max : float
        Largest increment. With increments near 1, a missing square root
        (the variance increment used as the standard deviation) leaves the law
        of X_K - X_0 almost unchanged; the law check uses 0.25, so that
        mistake shrinks the variance at least fourfold.

    Notes
    -----
    Increments of sigma2 are log-uniform in [0.01, inc_max] (a geometric-like
    VE schedule, Song et al. 2021, arXiv:2011.13456, eq. 9).
    """
    inc = _log_uniform(g, 0.01, inc_max, K)
    if flat and K >= 2:
        inc[torch.arange(K) % 2 == 1] = 0.0
    first = 0.0 if start == "zero" else float(_log_uniform(g, 0.01, 1.0))
    sigma2 = torch.cat([torch.tensor([first], dtype=_F64), first + torch.cumsum(inc, 0)])
    return {"x0": randn(g, N, scale=2.0), "sigma2": sigma2, "noise": randn(g, K, N)}


# -- problem 7: reverse-SDE family ------------------------------------------------------------
def _lam(g: torch.Generator, lam: float | str) -> float:
    if lam == "random":
        return float(uniform(g, -0.5, 1.0))
    return float(lam)


def reverse_sde_drift(g: torch.Generator, N: int, d: int, lam: float | str = "random") -> dict[str, Any]:
    """Arguments (x, f, g, score, lam) of ``reverse_sde_drift``.

    f = -x/2 (the OU drift), g uniform in [0.2, 2], lam as configured
    (``"random"``: uniform in [-0.5, 1]).
    """
    x = randn(g, N, d)
    return {"x": x, "f": -0.5 * x, "g": float(uniform(g, 0.2, 2.0)), "score": randn(g, N, d, scale=2.0),
            "lam": _lam(g, lam)}


def mixture_1d(g: torch.Generator, K: int = 2) -> dict[str, list[float]]:
    """Parameters of a 1-d Gaussian mixture data set (``ou_mixture_score``'s ``w``, ``means``, ``stds``).

    Weights in [0.5, 1.5] (normalised), means in [-2, 2], standard
    deviations in [0.35, 0.6].
    """
    w = uniform(g, 0.5, 1.5, K)
    return {"w": (w / w.sum()).tolist(), "means": uniform(g, -2.0, 2.0, K).tolist(),
            "stds": uniform(g, 0.35, 0.6, K).tolist()}


def reverse_sde_sample(g: torch.Generator, N: int, K: int, lam: float | str = "random",
                       T: float = 1.0, t_min: float = 0.05, score: str = "mixture",
                       components: int = 2, grid: str = "uniform",
                       x_T: str = "exact") -> dict[str, Any]:
    """Arguments (x_T, ts, score, lam, noise) of ``reverse_sde_sample``.

    Parameters
    ----------
    N, K : int
        Batch size and number of Euler-Maruyama steps (ts has K + 1 times).
    lam : float or "random"
        lambda <= 1 (``"random"``: uniform in [-0.5, 1]).
    T, t_min : float
        First and last time.
    score : {"mixture", "mlp"}
        ``ou_mixture_score`` (exact score of a Gaussian-mixture data set,
        :func:`mixture_1d`) or ``ou_mlp_score``.
    grid : {"uniform", "random"}
        Equally spaced times, or sorted uniform draws between T and t_min.
    x_T : {"exact", "normal"}
        x_T drawn from the exact p_T of the mixture, or N(0, 1).
    """
    lam_value = _lam(g, lam)
    params = mixture_1d(g, components)
    if score == "mlp":
        fixture = Fixture("ou_mlp_score", {"seed": _seed(g)})
    else:
        fixture = Fixture("ou_mixture_score", params)
    if grid == "random" and K >= 2:
        inner = torch.sort(uniform(g, t_min, T, K - 1), descending=True).values
        ts = torch.cat([torch.tensor([T], dtype=_F64), inner, torch.tensor([t_min], dtype=_F64)])
    else:
        ts = torch.linspace(T, t_min, K + 1, dtype=_F64)
    if x_T == "exact":
        w = torch.tensor(params["w"], dtype=_F64)
        gamma = math.exp(-T / 2)
        mu = gamma * torch.tensor(params["means"], dtype=_F64)
        sd = torch.sqrt(gamma**2 * torch.tensor(params["stds"], dtype=_F64) ** 2 - math.expm1(-T))
        k = torch.multinomial(w, N, replacement=True, generator=g)
        start = mu[k] + sd[k] * randn(g, N)
    else:
        start = randn(g, N)
    return {"x_T": start, "ts": ts, "score": fixture, "lam": lam_value, "noise": randn(g, K, N)}


CASES = {
    "tweedie_posterior_mean": tweedie_posterior_mean,
    "gaussian_kl": gaussian_kl,
    "ffjord": ffjord,
    "backprop": backprop,
    "fokker_planck_rhs": fokker_planck_rhs,
    "ve_sde_sample": ve_sde_sample,
    "reverse_sde_drift": reverse_sde_drift,
    "reverse_sde_sample": reverse_sde_sample,
}
