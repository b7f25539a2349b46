"""Scales z_ell in place with mul_ and adds to it, overwriting the caller's tensor.

mistake: sample_z_forward: modifies_input_in_place
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math

import torch


def sample_z_forward(z_ell, alpha, k, noise):
    z = z_ell.mul_(alpha ** k)
    z.add_(math.sqrt(1 - alpha ** (2 * k)) * noise)
    return z
