"""Case generator of the FFJORD functions (``reference/ffjord.py``, hw1 problem 3).

One case, ``ffjord``, serves both ``ffjord_log_density`` and
``ffjord_adjoint_grad`` (they take the same arguments). The vector field is
a :class:`~grader.sandbox.protocol.Fixture`, built by
:mod:`grader.sandbox.fixtures`. Everything is drawn from the seeded
``torch.Generator`` ``g`` the generator takes first.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.cases.draws import F64, randint, randn, seed
from grader.sandbox.protocol import Fixture

__all__ = ["CASES"]


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
        ``tanh_mlp_field`` (``hidden`` units, weights of size ``scale``, from
        a drawn seed) or ``linear_field`` (A = -0.3 I + N(0, 0.3^2) entries,
        b ~ N(0, 0.1^2)).
    probe : {"gaussian", "rademacher"}
        Distribution of the probes nu (both have E[nu nu^T] = I).
    x_scale : float
        Standard deviation of the entries of x.
    repeat : bool
        One data point repeated on every row, each row with its own probe:
        the sum over rows is then N times the probe average (the
        statistical check of ``ffjord_adjoint_grad``).

    Returns
    -------
    dict
        ``f``: a :class:`~grader.sandbox.protocol.Fixture`; ``x``: ``[N, D]``
        float64 N(0, x_scale^2); ``nu``: ``[N, D]`` float64; ``n_steps``: a
        Python int.
    """
    if field == "linear":
        A = -0.3 * torch.eye(D, dtype=F64) + randn(g, D, D, scale=0.3)
        f = Fixture("linear_field", {"A": A.tolist(), "b": randn(g, D, scale=0.1).tolist()})
    else:
        f = Fixture("tanh_mlp_field", {"D": D, "seed": seed(g), "hidden": hidden, "scale": scale})
    x = randn(g, 1, D, scale=x_scale).repeat(N, 1) if repeat else randn(g, N, D, scale=x_scale)
    if probe == "rademacher":
        nu = randint(g, 0, 1, N, D).to(F64) * 2 - 1
    else:
        nu = randn(g, N, D)
    return {"f": f, "x": x, "nu": nu, "n_steps": int(n_steps)}


CASES = {"ffjord": ffjord}
