"""Normalises pi_ref exp(r/beta) over the batch axis (dim 0) instead of over the V responses.

mistake: optimal_policy: normalise_wrong_axis
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def optimal_policy(ref_probs, rewards, beta):
    unnorm = ref_probs * torch.exp(rewards / beta)
    return unnorm / unnorm.sum(dim=0, keepdim=True)
