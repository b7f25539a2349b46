"""Loops over the nodes in topological order instead of reversed order, so parents receive unfinished gradients.

mistake: backprop_v2: forward_topological_order
source: 001_d4f722768cb25930.txt, problem 4
"""
import torch


def backprop_v2(nodes, edges, jac, out):
    parents = {v: [] for v in nodes}
    for u, v in edges:
        parents[v].append(u)

    grad = {}
    for (u, v), J in jac.items():
        if u not in grad:
            grad[u] = torch.zeros(1, J.shape[1], dtype=J.dtype)
    grad[out] = torch.ones(1, 1, dtype=next(iter(jac.values())).dtype)

    for v in nodes:
        for u in parents[v]:
            grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad
