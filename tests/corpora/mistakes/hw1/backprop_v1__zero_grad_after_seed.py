"""Seeds out.grad = 1 before the zero_grad loop, which then resets it, so every gradient stays zero.

mistake: backprop_v1: zero_grad_after_seed
source: 001_d4f722768cb25930.txt, problem 4
"""
import torch


def backprop_v1(nodes, edges, jac, out):
    dim = {out: 1}
    for (u, v), J in jac.items():
        dim[u] = J.shape[1]
        dim[v] = J.shape[0]
    grad = {}
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    for v in nodes:  # .zero_grad()
        grad[v] = torch.zeros(1, dim[v], dtype=torch.float64)
    for v in reversed(nodes):
        for w in [b for (a, b) in edges if a == v]:
            grad[v] += grad[w] @ jac[(v, w)]
    return grad
