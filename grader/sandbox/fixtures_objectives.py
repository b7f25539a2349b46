"""Problem set-up objects of hw3 (score models); see :mod:`grader.sandbox.fixtures`.

Score models ``s(x)`` for ``implicit_score_matching_loss`` and
``denoising_score_matching_loss`` (hw3 problems 3 and 4). Each maps
``[N, d]`` to ``[N, d]`` row by row (any leading dimensions work, so a
single ``[d]`` row is accepted too), is a float64 ``torch.nn.Module`` whose
weights are ``nn.Parameter``s (a loss that keeps the graph is differentiable
in them), and is built identically in the grader and in the sandbox child
from JSON parameters. They are problem set-up, not answers.

=======================  ==================================================  ==================
name                     callable                                            used by
=======================  ==================================================  ==================
``mlp_score_model``      s(x) = tanh(x W1 + b1) W2 + c, small tanh MLP       hw3 ISM, DSM
``linear_score_model``   s(x) = A x + b (``A = -I, b = 0``: exact score of   hw3 ISM, DSM
                         N(0, I) data)
=======================  ==================================================  ==================

Both have a Jacobian with non-zero off-diagonal entries (unless built
diagonal on purpose), so the trace of problem 3 differs from the sum of all
Jacobian entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

__all__ = ["FIXTURES", "LinearScoreModel", "MLPScoreModel"]


def _generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


class MLPScoreModel(nn.Module):
    """Small tanh MLP score model ``s(x) = tanh(x W1 + b1) W2 + c``.

    Parameters
    ----------
    d : int
        Data dimension (``1 <= d <= 8`` in the contract).
    seed : int
        Seed of the weights (private ``torch.Generator``).
    hidden : int
        Hidden width.
    scale : float
        Multiplies the output weights W2 (the size of s).

    Notes
    -----
    Shapes: W1 ``[d, hidden]`` ~ N(0, 1/d), b1 ``[hidden]`` ~ N(0, 0.25),
    W2 ``[hidden, d]`` ~ N(0, scale^2/hidden), c ``[d]`` ~ N(0, 0.01).
    The Jacobian of a row is ``W2^T diag(1 - h^2) W1^T`` (``[d, d]``),
    a full matrix. Used by hw3 problems 3 (implicit score matching) and
    4 (denoising score matching). Raises nothing beyond torch's own
    shape errors for an input whose last dimension is not ``d``.
    """

    def __init__(self, d: int, seed: int, hidden: int = 16, scale: float = 1.0) -> None:
        super().__init__()
        g = _generator(seed)
        f64 = torch.float64
        self.w1 = nn.Parameter(torch.randn(d, hidden, generator=g, dtype=f64) / math.sqrt(d))
        self.b1 = nn.Parameter(0.5 * torch.randn(hidden, generator=g, dtype=f64))
        self.w2 = nn.Parameter(float(scale) * torch.randn(hidden, d, generator=g, dtype=f64)
                               / math.sqrt(hidden))
        self.c = nn.Parameter(0.1 * torch.randn(d, generator=g, dtype=f64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate s at each row of ``x`` (``[..., d] -> [..., d]``)."""
        return torch.tanh(x @ self.w1 + self.b1) @ self.w2 + self.c


class LinearScoreModel(nn.Module):
    """Linear score model ``s(x) = A x + b`` acting on rows (``x A^T + b``).

    Parameters
    ----------
    A : list of list of float
        ``[d, d]`` matrix (need not be symmetric).
    b : list of float
        ``[d]`` offset.

    Notes
    -----
    Jacobian ``A`` everywhere, so tr(ds/dx) = tr(A). With ``A = -I``,
    ``b = 0`` this is the exact score of N(0, I) data, for which implicit
    score matching gives mean_n [-d + |x_n|^2 / 2] (hw3 problem 3).
    Raises ``ValueError`` from torch if ``A`` is not square or ``b`` does not
    match.
    """

    def __init__(self, A: list[list[float]], b: list[float]) -> None:
        super().__init__()
        self.A = nn.Parameter(torch.tensor(A, dtype=torch.float64))
        self.b = nn.Parameter(torch.tensor(b, dtype=torch.float64))
        A_, b_ = self.A.shape, self.b.shape
        if len(A_) != 2 or A_[0] != A_[1] or b_ != A_[:1]:
            raise ValueError(f"A must be [d, d] and b [d], got {tuple(A_)} and {tuple(b_)}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate A x + b at each row of ``x`` (``[..., d] -> [..., d]``)."""
        return x @ self.A.T + self.b


FIXTURES: dict[str, Callable[..., Any]] = {
    "mlp_score_model": MLPScoreModel,
    "linear_score_model": LinearScoreModel,
}
