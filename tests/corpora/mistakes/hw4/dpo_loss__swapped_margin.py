"""Uses rejected - chosen inside the log-sigmoid, so the loss rewards preferring the rejected response.

mistake: dpo_loss: swapped_margin
source: 003_4ea08618c667dec6.txt, problem 2
"""
import torch


def dpo_loss(policy_chosen_logps, policy_rejected_logps,
             reference_chosen_logps, reference_rejected_logps, beta):
    r_w = beta * (policy_chosen_logps - reference_chosen_logps)
    r_l = beta * (policy_rejected_logps - reference_rejected_logps)
    losses = -torch.log(torch.sigmoid(r_l - r_w))
    return losses, r_w.detach(), r_l.detach()
