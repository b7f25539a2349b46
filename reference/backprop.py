"""Reverse-mode differentiation on a computation graph (hw1 problem 4).

The graph is a DAG G = (V, E) whose nodes are listed in a linear
topological order ending with the scalar output. Only the Jacobians of the
edges at the forward values are needed: ``jac[(u, v)]`` is dv/du, a
``(dim_v, dim_u)`` matrix. Gradients are row vectors of shape ``(1, dim)``
(the lecture's convention: ``v.grad @ v.fn.grad(u)``). Tensors are
``torch.float64``.

Glossary (hw1 problem 4, the backprop lecture's pseudo-code):

=================  ==================  =====================================
code               symbol              meaning
=================  ==================  =====================================
``nodes``          V                   names in linear topological order
``edges``          E                   pairs (u, v) meaning u -> v
``jac[(u, v)]``    v.fn.grad(u)        dv/du at the forward values
``out``            v_out               the scalar output node (last in V)
``grad[v]``        v.grad              d out / d v, shape (1, dim_v)
``children[v]``    {w : v -> w}        used by version 1
``parents[v]``     {u : u -> v}        used by version 2
=================  ==================  =====================================

Both versions compute the same numbers (the problem's claim): each adds
grad[w] @ jac[(v, w)] to grad[v] exactly once per edge (v, w), and in both
loops grad[w] is final when it is used because w comes after v in the
topological order.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import torch

__all__ = ["backprop_v1", "backprop_v2"]

Node = Hashable
Edge = tuple[Node, Node]


def _check_graph(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    jac: Mapping[Edge, torch.Tensor],
    out: Node,
) -> dict[Node, int]:
    """Validate the graph and return the dimension of every node."""
    if isinstance(nodes, (str, bytes)) or not isinstance(nodes, Sequence):
        raise TypeError(f"nodes must be a list of node names, got {type(nodes).__name__}")
    if len(set(nodes)) != len(nodes):
        raise ValueError(f"nodes must be distinct, got {list(nodes)!r}")
    if not nodes or nodes[-1] != out:
        raise ValueError(
            f"out must be the last node of the topological order, got out={out!r} and "
            f"nodes={list(nodes)!r}"
        )
    position = {v: i for i, v in enumerate(nodes)}
    dims: dict[Node, int] = {}
    seen: set[Edge] = set()
    for edge in edges:
        if not (isinstance(edge, tuple) and len(edge) == 2):
            raise TypeError(f"each edge must be a pair (u, v), got {edge!r}")
        if edge in seen:
            raise ValueError(f"edge {edge!r} is listed twice; edges must be distinct")
        seen.add(edge)
        u, v = edge
        for name in (u, v):
            if name not in position:
                raise ValueError(f"edge {edge!r} names {name!r}, which is not in nodes")
        if position[u] >= position[v]:
            raise ValueError(
                f"edge {edge!r} goes backwards in the order of nodes; nodes must be in a "
                "topological order (every edge u -> v with u before v)"
            )
        if edge not in jac:
            raise ValueError(f"jac has no entry for edge {edge!r}")
        J = jac[edge]
        if not isinstance(J, torch.Tensor) or J.ndim != 2:
            raise ValueError(
                f"jac[{edge!r}] must be a 2-d tensor of shape (dim_v, dim_u), got "
                f"{type(J).__name__} of shape {tuple(getattr(J, 'shape', ()))}"
            )
        dim_v, dim_u = J.shape
        for name, dim in ((u, dim_u), (v, dim_v)):
            if dims.setdefault(name, dim) != dim:
                raise ValueError(
                    f"inconsistent dimension for node {name!r}: jac[{edge!r}] has shape "
                    f"{tuple(J.shape)} but another Jacobian gives dimension {dims[name]}"
                )
    for v in nodes[:-1]:
        if v not in dims:
            raise ValueError(f"node {v!r} has no edge; every node except out needs a child")
    if dims.setdefault(out, 1) != 1:
        raise ValueError(f"out must be a node of dimension 1, got dimension {dims[out]}")
    return dims


def _initial_grads(
    nodes: Sequence[Node], jac: Mapping[Edge, torch.Tensor], out: Node, dims: dict[Node, int]
) -> dict[Node, torch.Tensor]:
    """``.zero_grad()`` then ``v_out.grad = 1``."""
    like = next(iter(jac.values()), torch.zeros((), dtype=torch.float64))
    grad = {v: like.new_zeros(1, dims[v]) for v in nodes}
    grad[out] = like.new_ones(1, 1)
    return grad


def backprop_v1(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    jac: Mapping[Edge, torch.Tensor],
    out: Node,
) -> dict[Node, torch.Tensor]:
    """Backward pass, version 1: each node pulls from its children.

    Parameters
    ----------
    nodes : list of str
        Node names in a linear topological order, ``out`` last; every other
        node has at least one child.
    edges : list of (str, str)
        ``(u, v)`` means u -> v.
    jac : dict of (str, str) -> (dim_v, dim_u) torch.Tensor
        ``jac[(u, v)]`` = dv/du at the forward values, one entry per edge.
    out : str
        The output node, of dimension 1.

    Returns
    -------
    dict of str -> (1, dim) torch.Tensor
        d out / d v for every node v; ``out`` gets ``[[1.]]``.

    Raises
    ------
    TypeError
        If ``nodes`` or an edge has the wrong type.
    ValueError
        If ``out`` is not last, an edge goes backwards or lacks a Jacobian,
        the Jacobian shapes are inconsistent, or ``out`` is not 1-dimensional.

    Notes
    -----
    hw1 problem 4, version 1::

        for v in reversed(V):
            for w such that v -> w:
                v.grad += w.grad @ w.fn.grad(v)

    i.e. grad[v] = sum over children w of grad[w] jac[(v, w)], the chain
    rule d out/dv = sum_w (d out/dw)(dw/dv).
    """
    dims = _check_graph(nodes, edges, jac, out)
    grad = _initial_grads(nodes, jac, out, dims)
    children: dict[Node, list[Node]] = {v: [] for v in nodes}
    for u, v in edges:
        children[u].append(v)
    for v in reversed(nodes):
        for w in children[v]:
            grad[v] = grad[v] + grad[w] @ jac[(v, w)]
    return grad


def backprop_v2(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    jac: Mapping[Edge, torch.Tensor],
    out: Node,
) -> dict[Node, torch.Tensor]:
    """Backward pass, version 2: each node pushes to its parents.

    Parameters
    ----------
    nodes : list of str
        Node names in a linear topological order, ``out`` last; every other
        node has at least one child.
    edges : list of (str, str)
        ``(u, v)`` means u -> v.
    jac : dict of (str, str) -> (dim_v, dim_u) torch.Tensor
        ``jac[(u, v)]`` = dv/du at the forward values, one entry per edge.
    out : str
        The output node, of dimension 1.

    Returns
    -------
    dict of str -> (1, dim) torch.Tensor
        d out / d v for every node v; ``out`` gets ``[[1.]]``.

    Raises
    ------
    TypeError
        If ``nodes`` or an edge has the wrong type.
    ValueError
        If ``out`` is not last, an edge goes backwards or lacks a Jacobian,
        the Jacobian shapes are inconsistent, or ``out`` is not 1-dimensional.

    Notes
    -----
    hw1 problem 4, version 2::

        for v in reversed(V):
            for u such that u -> v:
                u.grad += v.grad @ v.fn.grad(u)

    When v is visited every child of v has already pushed into grad[v], so
    grad[v] is final before it is pushed to the parents; the sum per node is
    the same as in :func:`backprop_v1`.
    """
    dims = _check_graph(nodes, edges, jac, out)
    grad = _initial_grads(nodes, jac, out, dims)
    parents: dict[Node, list[Node]] = {v: [] for v in nodes}
    for u, v in edges:
        parents[v].append(u)
    for v in reversed(nodes):
        for u in parents[v]:
            grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad
