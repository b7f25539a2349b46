"""Index off by one in the reversed loop: starts at nodes[-2], so the output node never pushes its gradient to its parents.

mistake: backprop_v2: loop_skips_out
source: 001_d4f722768cb25930.txt, problem 4
"""
import torch


def backprop_v2(nodes, edges, jac, out):
    grad = {}
    for (u, v), J in jac.items():
        grad[u] = torch.zeros(1, J.shape[1], dtype=J.dtype)
        grad[v] = torch.zeros(1, J.shape[0], dtype=J.dtype)
    grad[out] = torch.ones(1, 1, dtype=torch.float64)
    n = len(nodes)
    for i in range(n - 2, -1, -1):
        v = nodes[i]
        for (u, w) in edges:
            if w == v:
                grad[u] = grad[u] + grad[v] @ jac[(u, v)]
    return grad
