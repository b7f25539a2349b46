"""Leaves beta out of the implicit rewards inside the sigmoid weight.

mistake: dpo_grad_weight: missing_beta
source: 003_4ea08618c667dec6.txt, problem 2
"""
import numpy as np


def dpo_grad_weight(policy_chosen_logps, policy_rejected_logps,
                    reference_chosen_logps, reference_rejected_logps, beta):
    pc, pr, rc, rr = (np.asarray(a, dtype=np.float64) for a in (
        policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps))
    z = (pr - rr) - (pc - rc)
    return 1.0 / (1.0 + np.exp(-z))
