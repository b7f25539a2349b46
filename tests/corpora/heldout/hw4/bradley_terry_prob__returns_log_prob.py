"""Returns log sigmoid(r_chosen - r_rejected), the log-probability, instead of the probability.

mistake: bradley_terry_prob: returns_log_prob
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch.nn.functional as F


def bradley_terry_prob(reward_chosen, reward_rejected):
    return F.logsigmoid(reward_chosen - reward_rejected)
