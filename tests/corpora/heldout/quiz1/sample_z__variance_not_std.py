"""Scales the noise by 1 - alpha^(2 ell) instead of its square root.

mistake: sample_z: variance_not_std
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import torch


def sample_z(z0, alpha, ell, noise):
    alpha = torch.as_tensor(alpha, dtype=torch.float64)
    signal = alpha ** ell
    noise_var = 1 - alpha ** (2 * ell)
    return signal * z0 + noise_var * noise
