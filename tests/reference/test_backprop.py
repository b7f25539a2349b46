"""Graph-form backprop (hw1 problem 4) against torch.autograd on random DAGs."""

from __future__ import annotations

import copy
import random

import pytest
import torch

from reference.backprop import backprop_v1, backprop_v2

DTYPE = torch.float64


# --------------------------------------------------------------------------- #
#  Random computation graphs                                                  #
# --------------------------------------------------------------------------- #


def random_dag(seed: int, n_nodes: int = 9, n_sources: int = 2):
    """A random DAG with linear/tanh node functions, evaluated with autograd.

    Returns nodes, edges, jac (Jacobians by torch.autograd.functional.jacobian
    of each node function w.r.t. each parent) and the autograd gradient of the
    output w.r.t. every node value.
    """
    rng = random.Random(seed)
    g = torch.Generator().manual_seed(seed)
    nodes = [f"v{i}" for i in range(n_nodes - 1)] + ["out"]
    dims = {v: rng.randint(1, 4) for v in nodes}
    dims["out"] = 1
    parents: dict[str, list[str]] = {v: [] for v in nodes}
    for i, v in enumerate(nodes[n_sources:], start=n_sources):
        k = rng.randint(1, min(3, i))
        parents[v] = rng.sample(nodes[:i], k)
    # every node except out needs a child: send childless nodes to a later node
    for i, u in enumerate(nodes[:-1]):
        if not any(u in parents[w] for w in nodes):
            parents[rng.choice(nodes[i + 1 :])].append(u)
    edges = [(u, v) for v in nodes for u in parents[v]]
    rng.shuffle(edges)  # the functions must not depend on the order of edges

    weights = {
        (u, v): torch.randn(dims[v], dims[u], generator=g, dtype=DTYPE) / dims[u] ** 0.5
        for u, v in edges
    }
    bias = {v: 0.3 * torch.randn(dims[v], generator=g, dtype=DTYPE) for v in nodes}
    activation = {v: rng.choice([torch.tanh, lambda a: a]) for v in nodes}

    def fn(v: str, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        pre = bias[v] + sum(weights[(u, v)] @ inputs[u] for u in parents[v])
        return activation[v](pre)

    value: dict[str, torch.Tensor] = {}
    for v in nodes:
        if parents[v]:
            value[v] = fn(v, value)
        else:
            value[v] = torch.randn(dims[v], generator=g, dtype=DTYPE).requires_grad_(True)

    jac = {}
    for u, v in edges:
        others = {w: value[w].detach() for w in parents[v]}

        def along_u(xu: torch.Tensor, u: str = u, v: str = v, others=others) -> torch.Tensor:
            return fn(v, others | {u: xu})

        jac[(u, v)] = torch.autograd.functional.jacobian(along_u, value[u].detach())

    grads = torch.autograd.grad(value["out"].sum(), [value[v] for v in nodes], allow_unused=True)
    expected = {
        v: (torch.zeros(dims[v], dtype=DTYPE) if gr is None else gr).reshape(1, -1)
        for v, gr in zip(nodes, grads)
    }
    return nodes, edges, jac, expected


# --------------------------------------------------------------------------- #
#  Tests                                                                      #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("backprop", [backprop_v1, backprop_v2])
@pytest.mark.parametrize("seed", range(8))
def test_matches_autograd_on_random_dags(backprop, seed):
    nodes, edges, jac, expected = random_dag(seed, n_nodes=6 + seed)
    got = backprop(nodes, edges, jac, "out")
    assert set(got) == set(nodes)
    for v in nodes:
        assert got[v].shape == expected[v].shape
        torch.testing.assert_close(got[v], expected[v], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(got["out"], torch.ones(1, 1, dtype=DTYPE))


@pytest.mark.parametrize("seed", range(8))
def test_versions_agree(seed):
    nodes, edges, jac, _ = random_dag(100 + seed, n_nodes=10)
    g1 = backprop_v1(nodes, edges, jac, "out")
    g2 = backprop_v2(nodes, edges, jac, "out")
    for v in nodes:
        torch.testing.assert_close(g1[v], g2[v], rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("backprop", [backprop_v1, backprop_v2])
def test_hand_computed_diamond(backprop):
    # x -> a = 2x, x -> b = 3x, out = a + 4 b: d out/dx = 2 + 12 = 14
    one = torch.ones(1, 1, dtype=DTYPE)
    jac = {("x", "a"): 2 * one, ("x", "b"): 3 * one, ("a", "out"): one, ("b", "out"): 4 * one}
    got = backprop(["x", "a", "b", "out"], list(jac), jac, "out")
    assert {v: float(g) for v, g in got.items()} == {"x": 14.0, "a": 1.0, "b": 4.0, "out": 1.0}


@pytest.mark.parametrize("backprop", [backprop_v1, backprop_v2])
def test_inputs_are_not_modified(backprop):
    nodes, edges, jac, _ = random_dag(7)
    nodes0, edges0, jac0 = list(nodes), list(edges), copy.deepcopy(jac)
    backprop(nodes, edges, jac, "out")
    assert nodes == nodes0 and edges == edges0
    assert set(jac) == set(jac0) and all(torch.equal(jac[e], jac0[e]) for e in jac)


def _chain():
    one = torch.ones(1, 1, dtype=DTYPE)
    return ["x", "y", "out"], [("x", "y"), ("y", "out")], {("x", "y"): one, ("y", "out"): one}


@pytest.mark.parametrize("backprop", [backprop_v1, backprop_v2])
@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda n, e, j: (n[::-1], e, j, "out"), "last"),
        (
            lambda n, e, j: (n, e + [("y", "x")], j | {("y", "x"): j[("x", "y")]}, "out"),
            "backwards",
        ),
        (lambda n, e, j: (n, e, {("x", "y"): j[("x", "y")]}, "out"), "no entry"),
        (
            lambda n, e, j: (n, e, j | {("y", "out"): torch.ones(2, 1, dtype=DTYPE)}, "out"),
            "dimension 1",
        ),
        (lambda n, e, j: (n, e + [("x", "y")], j, "out"), "twice"),
    ],
)
def test_invalid_graphs_raise(backprop, mutate, match):
    with pytest.raises(ValueError, match=match):
        backprop(*mutate(*_chain()))
