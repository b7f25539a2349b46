"""Uses the mean factor exp(-t/2) (the VP-SDE convention) instead of exp(-t) for this process.

mistake: ou_sample: half_rate_mean
source: 004_45e6374c80f3c10e.txt, problem 1
"""
import numpy as np


def ou_sample(w0, t, noise):
    w0, noise = np.asarray(w0), np.asarray(noise)
    return np.exp(-t / 2) * w0 + np.sqrt(1 - np.exp(-2 * t)) * noise
