"""Uses sqrt(1 - alpha^ell) for the noise scale instead of sqrt(1 - alpha^(2 ell)).

mistake: sample_z: exponent_missing_two
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math


def sample_z(z0, alpha, ell, noise):
    a = alpha ** ell
    return a * z0 + math.sqrt(1 - a) * noise
