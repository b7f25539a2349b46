"""Weights the score term by (1 - lam) instead of (1 - lam/2).

mistake: reverse_sde_drift: one_minus_lam
source: 001_d4f722768cb25930.txt, problem 7
"""


def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam) * g ** 2 * score
