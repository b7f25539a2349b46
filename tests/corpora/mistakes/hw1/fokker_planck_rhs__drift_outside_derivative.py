"""Takes f outside the derivative, -f dp/dx, forgetting the -p df/dx part of d/dx(f p).

mistake: fokker_planck_rhs: drift_outside_derivative
source: 001_d4f722768cb25930.txt, problem 5
"""
import torch


def fokker_planck_rhs(p, x, f, rho):
    dx = (x[-1] - x[0]) / (len(x) - 1)
    dp = (p[2:] - p[:-2]) / (2 * dx)
    lap = (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2
    return -f[1:-1] * dp + (rho ** 2 / 2) * lap
