"""Normalises the rewards themselves, r_w/(r_w + r_l) after a shift, instead of their exponentials.

mistake: bradley_terry_prob: ratio_of_rewards
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def bradley_terry_prob(reward_chosen, reward_rejected):
    # make the rewards positive first
    lo = torch.minimum(reward_chosen, reward_rejected)
    a = reward_chosen - lo + 1
    b = reward_rejected - lo + 1
    return a / (a + b)
