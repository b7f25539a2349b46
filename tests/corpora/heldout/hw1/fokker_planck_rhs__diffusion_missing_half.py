"""Uses rho^2 p'' for the diffusion term, forgetting the factor 1/2 in rho^2/2.

mistake: fokker_planck_rhs: diffusion_missing_half
source: 001_d4f722768cb25930.txt, problem 5
"""
import numpy as np


def fokker_planck_rhs(p, x, f, rho):
    p = np.asarray(p, dtype=float)
    x = np.asarray(x, dtype=float)
    f = np.asarray(f, dtype=float)
    dx = x[1] - x[0]
    flux = f * p
    dflux = (flux[2:] - flux[:-2]) / (2 * dx)
    d2p = (p[2:] - 2 * p[1:-1] + p[:-2]) / (dx * dx)
    return -dflux + rho ** 2 * d2p
