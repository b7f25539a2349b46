"""Uses the small-dt approximation var = dt (part (c)) instead of the exact (sigma2 + t - dt) dt / (sigma2 + t).

mistake: toy_reverse_conditional: var_dt_approx
source: 003_4ea08618c667dec6.txt, problem 1
"""


def toy_reverse_conditional(x_t, t, dt, sigma2):
    mean = (sigma2 + t - dt) / (sigma2 + t) * x_t
    var = dt + 0 * t  # sigma2 + t - dt ~ sigma2 + t
    return mean, var
