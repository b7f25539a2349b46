"""Subtracts the trace term instead of adding it: mean(|s|^2/2 - tr(ds/dx)).

mistake: implicit_score_matching_loss: trace_sign
source: 002_6fbc3b61ee2b9e4d.txt, problem 3
"""
import torch


def implicit_score_matching_loss(score_model, x):
    x = x.detach().clone().requires_grad_(True)
    s = score_model(x)
    tr = sum(torch.autograd.grad(s[:, i].sum(), x, create_graph=True)[0][:, i] for i in range(x.shape[1]))
    return (0.5 * (s ** 2).sum(1) - tr).mean()
