"""Problem set-up objects that student functions receive as arguments.

These are *not* answers: noise predictors, score networks and the like that
the contract passes in (``eps_model``, ``score``, ``f``). Each is built from a
registry name and JSON parameters, identically in the grader and in the
sandbox child, with weights drawn from a private ``torch.Generator`` so the
same parameters always give the same function.

==========================  ==========================================  ==========
name                        callable                                     used by
==========================  ==========================================  ==========
``mlp_eps_model``           ``(x [N,d], t: int) -> [N,d]`` small MLP     hw2 ddim_sample
``gaussian_ddim_eps_model`` exact eps of N(0, v I) data, DDIM alphas     hw2 ddim_sample
``ou_mlp_eps_model``        ``(x [N], t [N]) -> [N]`` small MLP          hw2 dsm_loss
``ou_linear_eps_model``     eps = (sigma_t - m) x: the score             hw2 dsm_loss
                            s = m x / sigma_t - x of problem 3(d)
==========================  ==========================================  ==========

Relation used throughout (contract, hw2): ``eps_model(x, t) = -sigma_t score(x, t)``.

Every object offers only what the contract lets a student use (course.md,
Conventions): calling it, and ``parameters()`` (the ``nn.Module`` API) where
it has weights. It keeps only what ``forward`` needs, under private names and
in a form that is not a check's parameter (precomputed coefficients rather
than, say, the data variance of a law check), and has no method but
``forward``. Whatever a check needs beyond calling (an exact posterior mean,
the law a sampler must reproduce) is computed in the grader, from the
fixture's description (:class:`~grader.sandbox.protocol.Fixture`: name and
JSON parameters), never from the object the student receives
(``tests/grader/test_fixture_interface.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from grader.sandbox.protocol import Fixture

__all__ = ["FIXTURES", "build"]


def _generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


class MLPEpsModel(nn.Module):
    """Small tanh MLP noise predictor ``(x [N,d], t: int) -> [N,d]``.

    Parameters
    ----------
    d : int
        Data dimension.
    T : int
        Number of steps; the time input is scaled to ``t / T``.
    seed : int
        Seed of the weights.
    hidden : int
        Hidden width.
    """

    def __init__(self, d: int, T: int, seed: int, hidden: int = 16) -> None:
        super().__init__()
        g = _generator(seed)
        self._T = int(T)
        self.w1 = nn.Parameter(torch.randn(d + 1, hidden, generator=g, dtype=torch.float64) / math.sqrt(d + 1))
        self.b1 = nn.Parameter(0.1 * torch.randn(hidden, generator=g, dtype=torch.float64))
        self.w2 = nn.Parameter(torch.randn(hidden, d, generator=g, dtype=torch.float64) / math.sqrt(hidden))

    def forward(self, x: torch.Tensor, t: int | torch.Tensor) -> torch.Tensor:
        """Predict the noise; ``t`` is a step in 1..T (int or 0-dim tensor)."""
        x = torch.as_tensor(x, dtype=torch.float64)
        tt = torch.full((x.shape[0], 1), float(t) / self._T, dtype=torch.float64)
        h = torch.tanh(torch.cat([x, tt], dim=1) @ self.w1 + self.b1)
        return h @ self.w2


class GaussianDDIMEpsModel(nn.Module):
    """Exact noise predictor for data N(0, v I) with cumulative ``alphas``.

    X_t = sqrt(alpha_t) X_0 + sqrt(1 - alpha_t) eps has law
    N(0, (alpha_t v + 1 - alpha_t) I), so its score is
    -x / (alpha_t v + 1 - alpha_t) and eps(x, t) = -sqrt(1 - alpha_t) score.

    Parameters
    ----------
    alphas : list of float
        alpha_1 ... alpha_T (cumulative, DDIM notation), ``alphas[t-1]``.
    data_var : float
        v, the variance of each data coordinate.

    Notes
    -----
    ``forward(x, t)`` takes ``x`` of any shape and dtype and ``t`` a step in
    1..T (int or one-element tensor), and returns
    ``sqrt(1 - alpha_t) x / (alpha_t v + 1 - alpha_t)`` (a floating ``x``
    keeps its dtype; differentiable in x). Only the two per-step coefficients are
    kept (private float64 buffers ``[T]``), not v: v is a parameter of the
    DDIM law check (:class:`grader.judge.statistical.DDIMSampleLaw` reads it
    from the fixture's description).
    """

    _root: torch.Tensor  # sqrt(1 - alpha_t), a registered buffer
    _den: torch.Tensor  # alpha_t v + 1 - alpha_t, a registered buffer

    def __init__(self, alphas: list[float], data_var: float) -> None:
        super().__init__()
        a = torch.tensor(alphas, dtype=torch.float64)
        self.register_buffer("_root", torch.sqrt(1 - a))
        self.register_buffer("_den", a * float(data_var) + 1 - a)

    def forward(self, x: torch.Tensor, t: int | torch.Tensor) -> torch.Tensor:
        """Exact eps prediction at step ``t`` in 1..T."""
        i = int(t) - 1
        return self._root[i] * x / self._den[i]


class OUMLPEpsModel(nn.Module):
    """Small tanh MLP ``(x [N], t [N]) -> [N]`` for the 1-d OU problem.

    Parameters
    ----------
    seed : int
        Seed of the weights.
    hidden : int
        Hidden width.
    """

    def __init__(self, seed: int, hidden: int = 16) -> None:
        super().__init__()
        g = _generator(seed)
        self.w1 = nn.Parameter(torch.randn(2, hidden, generator=g, dtype=torch.float64))
        self.b1 = nn.Parameter(0.1 * torch.randn(hidden, generator=g, dtype=torch.float64))
        self.w2 = nn.Parameter(torch.randn(hidden, generator=g, dtype=torch.float64) / math.sqrt(hidden))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Predict eps for each (x_n, t_n)."""
        h = torch.tanh(torch.stack([x, t], dim=-1) @ self.w1 + self.b1)
        return h @ self.w2


class OULinearEpsModel(nn.Module):
    """eps(x, t) = (sigma_t - m) x for dX = -X/2 dt + dW with p_0 = N(0, 1).

    This is eps = -sigma_t s for the score s = m x / sigma_t - x of hw2
    problem 3(d) (``m = 0`` is the exact score, since p_t = N(0, 1)).

    Parameters
    ----------
    m : float
        The perturbation size m.

    Notes
    -----
    ``forward(x, t)`` takes ``x`` and ``t`` of the same shape and returns
    ``(sigma_t - m) x``, differentiable in both. m^2 is the loss gap the
    ``dsm_gap`` check expects, so no attribute holds m: it is kept only as
    the bit pattern of its float64 (a private int64 buffer) and read back
    in ``forward``. Calling the model shows sigma_t - m, as any network
    shows what it computes; the check reads m from the fixture's
    description.
    """

    _m_bits: torch.Tensor  # m as the int64 bit pattern of a float64, a registered buffer

    def __init__(self, m: float) -> None:
        super().__init__()
        self.register_buffer("_m_bits", torch.tensor(float(m), dtype=torch.float64).view(torch.int64))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Evaluate (sigma_t - m) x with sigma_t = sqrt(1 - exp(-t))."""
        sigma_t = torch.sqrt(-torch.expm1(-t))
        return (sigma_t - self._m_bits.view(torch.float64).item()) * x


#: Registry: fixture name -> builder taking the fixture's JSON parameters.
FIXTURES: dict[str, Callable[..., Any]] = {
    "mlp_eps_model": MLPEpsModel,
    "gaussian_ddim_eps_model": GaussianDDIMEpsModel,
    "ou_mlp_eps_model": OUMLPEpsModel,
    "ou_linear_eps_model": OULinearEpsModel,
}


def _register_more() -> None:
    from grader.sandbox import fixtures_foundations, fixtures_objectives, fixtures_preference

    for module in (fixtures_foundations, fixtures_objectives, fixtures_preference):
        clash = set(FIXTURES) & set(module.FIXTURES)
        if clash:  # pragma: no cover - a programming error
            raise RuntimeError(f"fixture names defined twice: {sorted(clash)}")
        FIXTURES.update(module.FIXTURES)


_register_more()


def build(fixture: Fixture) -> Any:
    """Build a fixture object from its description.

    Parameters
    ----------
    fixture : Fixture
        Name and parameters.

    Returns
    -------
    Any
        Usually an ``nn.Module`` with float64 parameters.

    Raises
    ------
    KeyError
        If the name is not in :data:`FIXTURES`.
    """
    try:
        builder = FIXTURES[fixture.name]
    except KeyError:
        raise KeyError(f"unknown fixture {fixture.name!r}; known: {sorted(FIXTURES)}") from None
    return builder(**fixture.params)
