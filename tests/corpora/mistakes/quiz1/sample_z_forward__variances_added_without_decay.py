"""Adds the k one-step noise variances without their alpha^2 decay, giving std sqrt(k (1 - alpha^2)).

mistake: sample_z_forward: variances_added_without_decay
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import torch


def sample_z_forward(z_ell, alpha, k, noise):
    var = k * (1 - alpha ** 2)
    return alpha ** k * z_ell + var ** 0.5 * noise
