"""Normalises every rank by logsumexp over all K responses instead of over the remaining ones j >= k.

mistake: plackett_luce_logprob: logsumexp_over_all
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (policy_logps - reference_logps)          # [N, K]
    lse = torch.logsumexp(r, dim=1, keepdim=True)        # [N, 1]
    return (r - lse).sum(dim=1)
