"""Forgets the partition function Z(x): returns pi_ref exp(r/beta) without normalising.

mistake: optimal_policy: unnormalised
source: 003_4ea08618c667dec6.txt, problem 2
"""
import numpy as np


def optimal_policy(ref_probs, rewards, beta):
    return np.asarray(ref_probs) * np.exp(np.asarray(rewards) / beta)
