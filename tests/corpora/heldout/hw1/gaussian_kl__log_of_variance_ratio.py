"""Writes the log term as d*log(sigma1^2/sigma0^2), dropping the 1/2 that comes with the log of a variance ratio.

mistake: gaussian_kl: log_of_variance_ratio
source: 001_d4f722768cb25930.txt, problem 2
"""
import numpy as np


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    mu0 = np.asarray(mu0, dtype=np.float64)
    mu1 = np.asarray(mu1, dtype=np.float64)
    s0 = np.asarray(sigma0, dtype=np.float64)
    s1 = np.asarray(sigma1, dtype=np.float64)
    d = mu0.shape[-1]
    v0 = s0 ** 2
    v1 = s1 ** 2
    quad = np.sum((mu1 - mu0) ** 2, axis=-1) / (2.0 * v1)
    trace_part = d * (v0 / v1 - 1.0) / 2.0
    log_part = d * np.log(v1 / v0)
    return quad + trace_part + log_part
