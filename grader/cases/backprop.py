"""Case generator of the backprop functions (``reference/backprop.py``, hw1 problem 4).

One case, ``backprop``, serves both ``backprop_v1`` and ``backprop_v2``
(they take the same computation graph). Graphs are plain Python data: node
names (str), edges (tuples of str) and a dict of float64 Jacobians, all
drawn from the seeded ``torch.Generator`` ``g`` the generator takes first.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.cases.draws import randint, randn, uniform

__all__ = ["CASES"]

_NAMES = ["x", "w", "b", "h", "a", "u", "v", "k", "q", "r", "m", "c", "e", "g", "p", "s"]


def _pairs(g: torch.Generator, shape: str, n: int, extra: float) -> tuple[int, list[tuple[int, int]]]:
    """Number of nodes and edges (i, j), i < j, of a graph ``shape`` (see :func:`backprop`)."""
    if shape == "pair":
        return 2, [(0, 1)]
    if shape == "chain":
        return n, [(i, i + 1) for i in range(n - 1)]
    if shape == "diamond":
        return 4, [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)]
    pairs: list[tuple[int, int]] = []
    for i in range(n - 1):
        first = int(randint(g, i + 1, n - 1, 1))
        for j in range(i + 1, n):
            if j == first or float(uniform(g, 0.0, 1.0)) < extra:
                pairs.append((i, j))
    return n, pairs


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
    extra : float
        Probability of each further edge of a ``"random"`` graph.

    Returns
    -------
    dict
        ``nodes``: list of str, short names in a random order unrelated to
        their alphabetical order (``"k3", "b0", ...``, so sorting them is not
        a topological order), ``"out"`` last; ``edges``: list of ``(u, v)``
        tuples of str in a shuffled order; ``jac``: dict ``(u, v)`` ->
        ``[dim_v, dim_u]`` float64 with N(0, 1/dim_u) entries; ``out``:
        ``"out"``.
    """
    n_nodes, pairs = _pairs(g, shape, n, extra)
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


CASES = {"backprop": backprop}
