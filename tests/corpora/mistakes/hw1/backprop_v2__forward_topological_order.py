"""Pushes gradients to parents while visiting nodes in topological order instead of reversed order.

mistake: backprop_v2: forward_topological_order
source: 001_d4f722768cb25930.txt, problem 4
"""
import torch


def backprop_v2(nodes, edges, jac, out):
    dims = {out: 1}
    for (u, v), J in jac.items():
        dims[u], dims[v] = J.shape[1], J.shape[0]
    grad = {v: torch.zeros(1, dims[v], dtype=torch.float64) for v in nodes}
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    parents = {v: [u for (u, w) in edges if w == v] for v in nodes}
    for v in nodes:
        for u in parents[v]:
            grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad
