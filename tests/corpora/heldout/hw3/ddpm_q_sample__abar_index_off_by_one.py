"""Prepends abar_0 = 1 to the cumulative product but still indexes it with t-1, so abar_{t-1} is used for abar_t.

mistake: ddpm_q_sample: abar_index_off_by_one
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import numpy as np


def ddpm_q_sample(x0, t, betas, noise):
    x0 = np.asarray(x0, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    t = np.asarray(t, dtype=np.int64)
    betas = np.asarray(betas, dtype=np.float64)
    # abar[0] = 1 (abar_0), abar[s] = prod_{r<=s} (1 - beta_r)
    abar = np.concatenate([[1.0], np.cumprod(1.0 - betas)])
    a = abar[t - 1][:, None]
    return np.sqrt(a) * x0 + np.sqrt(1.0 - a) * noise
