"""Uses ell - 1 steps of the noise process (alpha^(ell-1)), as if z_1 were the clean image.

mistake: sample_z: ell_off_by_one
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import numpy as np


def sample_z(z0, alpha, ell, noise):
    z0 = np.asarray(z0)
    noise = np.asarray(noise)
    n = ell - 1  # z_1 = z0 + ... so ell-1 applications of alpha
    return alpha ** n * z0 + np.sqrt(1 - alpha ** (2 * n)) * noise
