"""Sums the per-sample objective over the batch instead of averaging it.

mistake: implicit_score_matching_loss: sum_over_batch
source: 002_6fbc3b61ee2b9e4d.txt, problem 3
"""
import torch


def implicit_score_matching_loss(score_model, x):
    x = x.detach().requires_grad_(True)
    s = score_model(x)
    n, d = x.shape
    trace = torch.zeros(n, dtype=x.dtype)
    for i in range(d):
        (g,) = torch.autograd.grad(s[:, i].sum(), x, create_graph=True)
        trace = trace + g[:, i]
    return (trace + 0.5 * s.pow(2).sum(1)).sum()
