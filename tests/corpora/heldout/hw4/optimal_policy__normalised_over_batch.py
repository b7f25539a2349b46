"""Normalises pi_ref exp(r/beta) over the batch axis (dim 0) instead of over the vocabulary.

mistake: optimal_policy: normalised_over_batch
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def optimal_policy(ref_probs, rewards, beta):
    logits = torch.log(ref_probs) + rewards / beta
    return torch.softmax(logits, dim=0)
