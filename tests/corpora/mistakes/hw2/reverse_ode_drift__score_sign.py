"""Adds half the score instead of subtracting it: -x/2 + score/2.

mistake: reverse_ode_drift: score_sign
source: 000_ff2b2f8a8d165fc7.txt, problem 3
"""
import torch


def reverse_ode_drift(x, t, score):
    return torch.as_tensor(-x / 2 + score / 2)
