"""Uses the one-step noise scale sqrt(1 - alpha^2) instead of sqrt(1 - alpha^(2k)) for a k-step jump.

mistake: sample_z_forward: single_step_noise_scale
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import numpy as np


def sample_z_forward(z_ell, alpha, k, noise):
    z_ell = np.asarray(z_ell, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    return alpha ** k * z_ell + np.sqrt(1 - alpha ** 2) * noise
