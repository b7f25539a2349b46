"""Detaches the losses (computed under .detach()), so no gradient reaches the policy log-probs.

mistake: dpo_loss: detached_losses
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    chosen = beta * (policy_chosen_logps - reference_chosen_logps).detach()
    rejected = beta * (policy_rejected_logps - reference_rejected_logps).detach()
    losses = -F.logsigmoid(chosen - rejected)
    return losses, chosen, rejected
