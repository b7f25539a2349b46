"""Returns the probability that the rejected response wins: sigmoid(reward_rejected - reward_chosen).

mistake: bradley_terry_prob: swapped
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def bradley_terry_prob(reward_chosen, reward_rejected):
    return torch.sigmoid(reward_rejected - reward_chosen)
