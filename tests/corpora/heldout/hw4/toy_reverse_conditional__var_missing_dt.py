"""Drops the factor dt from the conditional variance, returning (sigma2 + t - dt)/(sigma2 + t).

mistake: toy_reverse_conditional: var_missing_dt
source: 003_4ea08618c667dec6.txt, problem 1
"""


def toy_reverse_conditional(x_t, t, dt, sigma2):
    ratio = (sigma2 + t - dt) / (sigma2 + t)
    mean = ratio * x_t
    var = ratio
    return mean, var
