"""Treats t as the noise standard deviation, giving sigma2 + t^2 instead of sigma2 + t.

mistake: toy_marginal_var: t_squared
source: 003_4ea08618c667dec6.txt, problem 1
"""


def toy_marginal_var(sigma2, t):
    return sigma2 + t ** 2
