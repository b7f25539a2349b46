"""Uses |s(x)|^2 instead of |s(x)|^2 / 2 in the loss.

mistake: implicit_score_matching_loss: missing_half_on_norm
source: 002_6fbc3b61ee2b9e4d.txt, problem 3
"""
import torch


def implicit_score_matching_loss(score_model, x):
    N, d = x.shape
    xr = x.detach().requires_grad_(True)
    s = score_model(xr)
    trace = 0.0
    for i in range(d):
        gi = torch.autograd.grad(s[:, i].sum(), xr, create_graph=True, retain_graph=True)[0]
        trace = trace + gi[:, i]
    norm2 = torch.sum(s * s, dim=1)
    return torch.mean(trace + norm2)
