"""Multiplies the score by g instead of g^2.

mistake: reverse_sde_drift: g_not_squared
source: 001_d4f722768cb25930.txt, problem 7
"""
import torch


def reverse_sde_drift(x, f, g, score, lam):
    coef = (1.0 - lam / 2.0) * g
    return f - coef * score
