"""Runs the backward pass in topological order instead of reversed topological order.

mistake: backprop_v1: forward_topological_order
source: 001_d4f722768cb25930.txt, problem 4
"""
import torch


def backprop_v1(nodes, edges, jac, out):
    grad = {}
    for (u, v), J in jac.items():
        grad.setdefault(u, torch.zeros(1, J.shape[1], dtype=J.dtype))
        grad.setdefault(v, torch.zeros(1, J.shape[0], dtype=J.dtype))
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    for v in nodes:  # the loop visits every node once
        for (a, w) in edges:
            if a == v:
                grad[v] = grad[v] + grad[w] @ jac[(v, w)]
    return grad
