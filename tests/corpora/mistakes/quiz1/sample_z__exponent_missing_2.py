"""Uses sqrt(1 - alpha^ell) for the noise scale, dropping the factor 2 in the exponent 2 ell.

mistake: sample_z: exponent_missing_2
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math

import torch


def sample_z(z0, alpha, ell, noise):
    mean = z0 * alpha ** ell
    std = math.sqrt(1.0 - alpha ** ell)
    return mean + std * noise
