"""Samples its own epsilon with torch.randn_like instead of using the given noise.

mistake: ou_sample: draws_own_noise
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import math

import torch


def ou_sample(w0, t, noise):
    eps = torch.randn_like(w0)
    return math.exp(-t) * w0 + math.sqrt(1 - math.exp(-2 * t)) * eps
