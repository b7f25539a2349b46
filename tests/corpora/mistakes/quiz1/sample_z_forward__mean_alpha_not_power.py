"""Multiplies z_ell by alpha instead of alpha^k in the k-step transition.

mistake: sample_z_forward: mean_alpha_not_power
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math


def sample_z_forward(z_ell, alpha, k, noise):
    return alpha * z_ell + math.sqrt(1 - alpha ** (2 * k)) * noise
