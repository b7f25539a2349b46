"""Assigns grad[v] = grad[w] @ jac for each child instead of accumulating, so only the last child counts.

mistake: backprop_v1: overwrite_not_accumulate
source: 001_d4f722768cb25930.txt, problem 4
"""
import torch


def backprop_v1(nodes, edges, jac, out):
    children = {}
    for (u, v) in edges:
        children.setdefault(u, []).append(v)
    some = next(iter(jac.values()))
    grad = {}
    for v in reversed(nodes):
        if v == out:
            grad[v] = torch.ones((1, 1), dtype=some.dtype)
            continue
        for w in children.get(v, []):
            grad[v] = grad[w] @ jac[(v, w)]
    return grad
