"""Uses sigma^2 where the standard deviation sigma is needed in the KL's log term.

mistake: gaussian_kl: variance_for_std
source: 001_d4f722768cb25930.txt, problem 2
"""
import numpy as np


def gaussian_kl(mu0, sigma0, mu1, sigma1):
    mu0, mu1 = np.asarray(mu0), np.asarray(mu1)
    s0, s1 = np.asarray(sigma0), np.asarray(sigma1)
    d = mu0.shape[1]
    v0, v1 = s0 ** 2, s1 ** 2
    quad = np.sum((mu1 - mu0) ** 2, axis=1) / (2 * v1)
    trace = d * (v0 / v1 - 1) / 2
    logdet = d * np.log(v1 / v0)
    return quad + trace + logdet
