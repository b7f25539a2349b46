"""Normalises every position by the logsumexp over all K responses instead of the remaining ones j >= k.

mistake: plackett_luce_logprob: logsumexp_all
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (policy_logps - reference_logps)
    K = r.shape[1]
    return r.sum(1) - K * torch.logsumexp(r, dim=1)
