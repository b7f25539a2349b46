"""Inverts the shrinkage factor of the mean: (sigma2 + t)/(sigma2 + t - dt) x_t.

mistake: toy_reverse_conditional: inverted_mean_ratio
source: 003_4ea08618c667dec6.txt, problem 1
"""
import torch


def toy_reverse_conditional(x_t, t, dt, sigma2):
    v_t = sigma2 + t
    v_prev = sigma2 + t - dt
    return v_t / v_prev * x_t, v_prev * dt / v_t
