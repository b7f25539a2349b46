"""Assigns grad[v] = grad[w] @ J for each child instead of accumulating with +=, so only the last child counts.

mistake: backprop_v1: overwrite_instead_of_accumulate
source: 001_d4f722768cb25930.txt, problem 4
"""
import torch


def backprop_v1(nodes, edges, jac, out):
    children = {v: [] for v in nodes}
    for u, v in edges:
        children[u].append(v)
    grad = {out: torch.tensor([[1.0]], dtype=torch.float64)}
    for v in reversed(nodes):
        if v == out:
            continue
        for w in children[v]:
            grad[v] = grad[w] @ jac[(v, w)]
    return grad
