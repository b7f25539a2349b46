"""Scales the noise by the variance 1 - exp(-2t) instead of the standard deviation sqrt(1 - exp(-2t)).

mistake: ou_sample: missing_sqrt
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import torch


def ou_sample(w0, t, noise):
    t = torch.as_tensor(t, dtype=w0.dtype)
    return torch.exp(-t) * w0 + (1 - torch.exp(-2 * t)) * noise
