"""Leaves out the 1/2 on the squared norm of the score: tr(ds/dx) + |s|^2.

mistake: implicit_score_matching_loss: missing_half
source: 002_6fbc3b61ee2b9e4d.txt, problem 3
"""
import torch


def implicit_score_matching_loss(score_model, x):
    x = x.clone().requires_grad_(True)
    s = score_model(x)
    tr = 0.0
    for i in range(x.shape[1]):
        tr = tr + torch.autograd.grad(s[:, i].sum(), x, create_graph=True)[0][:, i]
    return torch.mean(tr + (s * s).sum(dim=1))
