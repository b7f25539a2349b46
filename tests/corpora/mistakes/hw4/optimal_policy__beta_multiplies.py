"""Uses exp(beta r) instead of exp(r / beta).

mistake: optimal_policy: beta_multiplies
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def optimal_policy(ref_probs, rewards, beta):
    logits = torch.log(ref_probs) + beta * rewards
    return torch.softmax(logits, dim=-1)
