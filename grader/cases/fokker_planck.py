"""Case generator of the Fokker-Planck right-hand side (``reference/fokker_planck.py``, hw1 problem 5).

A problem (:class:`FokkerPlanckProblem`) is a density, a drift and a
diffusion coefficient with a closed-form right-hand side. It is drawn from
the seed alone, before anything that depends on the grid, so the same seed
poses the same problem on every grid size M: the convergence check of
``grader/judge`` relies on this, and calls :func:`fokker_planck_problem`
with the check's seed to get the exact answer. Both functions take that
seeded ``torch.Generator`` ``g`` first and draw only from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from grader.cases.draws import F64, uniform

__all__ = ["CASES", "FokkerPlanckProblem", "fokker_planck_problem"]


@dataclass(frozen=True)
class FokkerPlanckProblem:
    r"""A 1-d Fokker-Planck right-hand side with a closed form (hw1 problem 5, d = 1).

    Density p = sum_k w_k N(m_k, v_k), drift f(x) = -a x + b sin(c x),
    constant rho. Then

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
        """Differences x - m_k, variances v_k and terms w_k N(x; m_k, v_k): ``[M, K]``, ``[K]``, ``[M, K]``."""
        m = torch.tensor(self.m, dtype=F64)
        v = torch.tensor(self.v, dtype=F64)
        w = torch.tensor(self.w, dtype=F64)
        diff = x[:, None] - m
        dens = w * torch.exp(-0.5 * diff * diff / v) / torch.sqrt(2 * math.pi * v)
        return diff, v, dens

    def density(self, x: torch.Tensor) -> torch.Tensor:
        """The density p(x) at ``x`` (``[M]`` float64): ``[M]`` float64."""
        return self._components(x)[2].sum(1)

    def drift(self, x: torch.Tensor) -> torch.Tensor:
        """The drift f(x) = -a x + b sin(c x) at ``x`` (``[M]`` float64): ``[M]`` float64."""
        return -self.a * x + self.b * torch.sin(self.c * x)

    def rhs(self, x: torch.Tensor) -> torch.Tensor:
        """The exact -(f p)' + rho^2/2 p'' at ``x`` (``[M]`` float64): ``[M]`` float64."""
        diff, v, dens = self._components(x)
        p = dens.sum(1)
        dp = -(dens * diff / v).sum(1)
        d2p = (dens * (diff * diff / (v * v) - 1 / v)).sum(1)
        df = -self.a + self.b * self.c * torch.cos(self.c * x)
        return -(df * p + self.drift(x) * dp) + 0.5 * self.rho**2 * d2p


def fokker_planck_problem(g: torch.Generator, problem: str = "mixture") -> FokkerPlanckProblem:
    """Draw a Fokker-Planck problem (hw1 problem 5).

    Parameters
    ----------
    problem : {"ou", "diffusion", "mixture"}
        ``"ou"``: one Gaussian component, drift -a x. ``"diffusion"``: two
        components, f = 0. ``"mixture"``: two components, drift
        -a x + b sin(c x).

    Returns
    -------
    FokkerPlanckProblem
        rho uniform in [0.5, 1.5); one component N(m, v) with m in [-1, 1),
        v in [0.3, 1), a in [0.3, 1.5) (``"ou"``), or weights w0, 1 - w0
        with w0 in [0.3, 0.7), means in [-2, -0.5) and [0.5, 2), variances
        in [0.2, 0.6), and for ``"mixture"`` a, b in [0.3, 1), c in [0.5, 2);
        the domain reaches 6.5 standard deviations beyond the outer means.
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

    Parameters
    ----------
    M : int
        Number of grid points (the convergence check adds it to the config).
    problem : {"ou", "diffusion", "mixture"}
        See :func:`fokker_planck_problem`.

    Returns
    -------
    dict
        ``x``: ``[M]`` float64, equally spaced on [lo, hi]; ``p`` and ``f``:
        ``[M]`` float64, the density and the drift on it; ``rho``: a Python float.
    """
    prob = fokker_planck_problem(g, problem)
    x = torch.linspace(prob.lo, prob.hi, M, dtype=F64)
    return {"p": prob.density(x), "x": x, "f": prob.drift(x), "rho": prob.rho}


CASES = {"fokker_planck_rhs": fokker_planck_rhs}
