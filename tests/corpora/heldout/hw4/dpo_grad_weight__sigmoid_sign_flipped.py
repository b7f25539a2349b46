"""Returns sigmoid(chosen_rewards - rejected_rewards) instead of sigmoid(rejected_rewards - chosen_rewards).

mistake: dpo_grad_weight: sigmoid_sign_flipped
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps, beta):
    r_w = beta * (policy_chosen_logps - reference_chosen_logps)
    r_l = beta * (policy_rejected_logps - reference_rejected_logps)
    return torch.sigmoid(r_w - r_l)
