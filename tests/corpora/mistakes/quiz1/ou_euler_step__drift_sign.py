"""Adds the drift, w + w dt, instead of the mean-reverting w - w dt.

mistake: ou_euler_step: drift_sign
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import torch


def ou_euler_step(w, dt, noise):
    dw = w * dt + torch.sqrt(torch.tensor(2.0 * dt, dtype=w.dtype)) * noise
    return w + dw
