"""Scales the noise by the variance 1 - alpha^(2 ell) instead of its square root.

mistake: sample_z: missing_sqrt
source: 004_45e6374c80f3c10e.txt, problem 1
"""


def sample_z(z0, alpha, ell, noise):
    a = alpha ** ell
    return a * z0 + (1 - a ** 2) * noise
