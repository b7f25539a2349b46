"""Multiplies the noise by the variance 2 dt instead of the standard deviation sqrt(2 dt).

mistake: ou_euler_step: variance_for_std
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import numpy as np


def ou_euler_step(w, dt, noise):
    w = np.asarray(w)
    noise = np.asarray(noise)
    return w * (1 - dt) + 2 * dt * noise
