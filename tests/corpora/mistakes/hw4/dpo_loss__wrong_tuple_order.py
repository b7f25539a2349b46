"""Returns (chosen_rewards, rejected_rewards, losses) instead of (losses, chosen_rewards, rejected_rewards).

mistake: dpo_loss: wrong_tuple_order
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen_rewards = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta * (policy_rejected_logps - reference_rejected_logps)
    losses = -torch.nn.functional.logsigmoid(chosen_rewards - rejected_rewards)
    return chosen_rewards, rejected_rewards, losses
