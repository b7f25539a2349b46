"""Takes the logsumexp over the prefix j <= k instead of the suffix j >= k.

mistake: plackett_luce_logprob: prefix_range
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = beta * (policy_logps - reference_logps)
    N, K = r.shape
    total = torch.zeros(N, dtype=r.dtype)
    for k in range(K):
        total = total + r[:, k] - torch.logsumexp(r[:, :k + 1], dim=1)
    return total
