"""Adds the score term, f + (1 - lam/2) g^2 score, instead of subtracting it.

mistake: reverse_sde_drift: plus_sign
source: 001_d4f722768cb25930.txt, problem 7
"""
import numpy as np


def reverse_sde_drift(x, f, g, score, lam):
    f = np.asarray(f)
    score = np.asarray(score)
    return f + (1 - 0.5 * lam) * g * g * score
