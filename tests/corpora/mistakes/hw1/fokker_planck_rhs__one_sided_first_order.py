"""Uses a forward (one-sided, first-order) difference for d/dx(f p), so the scheme is not second order.

mistake: fokker_planck_rhs: one_sided_first_order
source: 001_d4f722768cb25930.txt, problem 5
"""
import torch


def fokker_planck_rhs(p, x, f, rho):
    dx = x[1] - x[0]
    q = f * p
    adv = (q[2:] - q[1:-1]) / dx
    lap = (p[2:] - 2 * p[1:-1] + p[:-2]) / dx ** 2
    return -adv + 0.5 * rho ** 2 * lap
