"""Draws fresh Gaussian noise with torch.randn_like instead of using the noise argument.

mistake: ou_euler_step: draws_own_noise
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math
import torch


def ou_euler_step(w, dt, noise):
    eps = torch.randn_like(w)
    return w - w * dt + math.sqrt(2 * dt) * eps
