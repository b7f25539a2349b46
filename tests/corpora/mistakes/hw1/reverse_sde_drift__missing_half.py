"""Uses (1 - lam) instead of (1 - lam/2) in front of g^2 score, mixing up the drift and diffusion coefficients.

mistake: reverse_sde_drift: missing_half
source: 001_d4f722768cb25930.txt, problem 7
"""


def reverse_sde_drift(x, f, g, score, lam):
    return f - (1 - lam) * g ** 2 * score
