"""Updates z_ell in place with mul_/add_, so the caller's tensor is overwritten.

mistake: sample_z_forward: in_place_update
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math


def sample_z_forward(z_ell, alpha, k, noise):
    z = z_ell
    z.mul_(alpha ** k)
    z.add_(math.sqrt(1 - alpha ** (2 * k)) * noise)
    return z
