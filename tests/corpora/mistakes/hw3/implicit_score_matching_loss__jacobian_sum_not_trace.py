"""Takes one gradient of s.sum(), i.e. sums every Jacobian entry (column sums), instead of the trace.

mistake: implicit_score_matching_loss: jacobian_sum_not_trace
source: 002_6fbc3b61ee2b9e4d.txt, problem 3
"""
import torch


def implicit_score_matching_loss(score_model, x):
    x = x.detach().clone().requires_grad_(True)
    s = score_model(x)
    # "divergence" in one backward pass
    g = torch.autograd.grad(s.sum(), x, create_graph=True)[0]
    div = g.sum(dim=1)
    return (div + 0.5 * (s ** 2).sum(dim=1)).mean()
