"""Returns the coordinatewise median (the minimiser of E|y - c|) instead of the mean of the squared loss.

mistake: optimal_denoiser_at_L: median_not_mean
source: 004_45e6374c80f3c10e.txt, problem 2
"""
import numpy as np


def optimal_denoiser_at_L(y):
    return np.median(np.asarray(y), axis=0)
