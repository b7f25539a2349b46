"""Returns the standard deviation of X_{t-dt} | X_t as var instead of the variance.

mistake: toy_reverse_conditional: std_for_var
source: 003_4ea08618c667dec6.txt, problem 1
"""
import math

import numpy as np


def toy_reverse_conditional(x_t, t, dt, sigma2):
    r = (sigma2 + t - dt) / (sigma2 + t)
    mean = r * np.asarray(x_t, dtype=np.float64)
    sd = np.sqrt(r * dt)
    return mean, sd
