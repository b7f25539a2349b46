"""Adds the advection term +d/dx(f p) instead of subtracting it.

mistake: fokker_planck_rhs: advection_sign
source: 001_d4f722768cb25930.txt, problem 5
"""
import numpy as np


def fokker_planck_rhs(p, x, f, rho):
    p, x, f = np.asarray(p), np.asarray(x), np.asarray(f)
    dx = x[1] - x[0]
    flux = f * p
    dflux = (flux[2:] - flux[:-2]) / (2 * dx)
    d2p = (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2
    return dflux + 0.5 * rho ** 2 * d2p
