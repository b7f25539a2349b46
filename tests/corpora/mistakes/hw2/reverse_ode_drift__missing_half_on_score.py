"""Forgets the 1/2 on the score term of the probability-flow drift (-x/2 - score).

mistake: reverse_ode_drift: missing_half_on_score
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""


def reverse_ode_drift(x, t, score):
    f = -0.5 * x
    g2 = 1.0
    return f - g2 * score
