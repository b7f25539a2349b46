"""Overwrites grad[u] with each child's contribution instead of adding it, losing all but one path.

mistake: backprop_v2: overwrite_instead_of_accumulate
source: 001_d4f722768cb25930.txt, problem 4
"""
import numpy as np
import torch


def backprop_v2(nodes, edges, jac, out):
    g = {out: np.ones((1, 1))}
    for v in nodes:
        g.setdefault(v, None)
    for v in nodes[::-1]:
        if g[v] is None:
            continue
        for (u, w) in edges:
            if w == v:
                g[u] = g[v] @ jac[(u, v)].numpy()
    dims = {}
    for (u, w), J in jac.items():
        dims[u] = J.shape[1]
    return {v: torch.from_numpy(g[v] if g[v] is not None else np.zeros((1, dims[v]))) for v in nodes}
