"""Returns sigmoid(chosen_rewards - rejected_rewards) instead of sigmoid(rejected_rewards - chosen_rewards).

mistake: dpo_grad_weight: sign_flipped
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    delta = beta * ((policy_chosen_logps - reference_chosen_logps)
                    - (policy_rejected_logps - reference_rejected_logps))
    return torch.sigmoid(delta)
