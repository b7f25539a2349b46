"""Returns the full gradient scale beta * sigmoid(rejected - chosen) instead of the weight sigmoid(rejected - chosen).

mistake: dpo_grad_weight: includes_beta_factor
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    chosen = beta * (policy_chosen_logps - reference_chosen_logps)
    rejected = beta * (policy_rejected_logps - reference_rejected_logps)
    return beta * torch.sigmoid(rejected - chosen)
