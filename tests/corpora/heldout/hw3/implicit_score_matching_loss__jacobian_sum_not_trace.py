"""Sums every entry of the Jacobian ds/dx (gradient of sum(s)) instead of only its diagonal.

mistake: implicit_score_matching_loss: jacobian_sum_not_trace
source: 002_6fbc3b61ee2b9e4d.txt, problem 3
"""
import torch


def implicit_score_matching_loss(score_model, x):
    x = x.clone().detach().requires_grad_(True)
    s = score_model(x)                                        # [N, d]
    g = torch.autograd.grad(s.sum(), x, create_graph=True)[0]  # [N, d]
    div = g.sum(dim=1)
    sq = 0.5 * (s ** 2).sum(dim=1)
    return (div + sq).mean()
