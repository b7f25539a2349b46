"""Subtracts the score correction instead of adding it (E[X|Y] = y - Sigma grad log p_Y).

mistake: tweedie_posterior_mean: minus_sign
source: 001_d4f722768cb25930.txt, problem 1
"""
import torch


def tweedie_posterior_mean(y, score, Sigma):
    s = score(y)
    # denoise: move against the score direction
    return y - s @ Sigma.T
