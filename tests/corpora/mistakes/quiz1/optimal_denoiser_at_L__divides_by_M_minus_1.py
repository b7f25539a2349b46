"""Divides the sum of the images by M - 1 (the unbiased-variance denominator) instead of M.

mistake: optimal_denoiser_at_L: divides_by_M_minus_1
source: 004_45e6374c80f3c10e.txt, problem 2
"""
import torch


def optimal_denoiser_at_L(y):
    M = y.shape[0]
    return y.sum(dim=0) / (M - 1)
