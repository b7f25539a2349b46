"""Feeds the raw log-ratio difference to the sigmoid, without beta (the rewards themselves are right).

mistake: dpo_loss: beta_missing_in_sigmoid
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen_logratio = policy_chosen_logps - reference_chosen_logps
    rejected_logratio = policy_rejected_logps - reference_rejected_logps
    losses = -F.logsigmoid(chosen_logratio - rejected_logratio)
    chosen_rewards = beta * chosen_logratio.detach()
    rejected_rewards = beta * rejected_logratio.detach()
    return losses, chosen_rewards, rejected_rewards
