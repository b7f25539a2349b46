"""Uses the one-step alpha_t = 1 - beta_t instead of the cumulative product abar_t.

mistake: ddpm_q_sample: alpha_not_cumulative
source: 002_6fbc3b61ee2b9e4d.txt, problem 2
"""
import numpy as np


def ddpm_q_sample(x0, t, betas, noise):
    t = np.asarray(t, dtype=np.int64)
    alpha = 1.0 - np.asarray(betas, dtype=np.float64)
    a_t = alpha[t - 1][:, None]
    return np.sqrt(a_t) * np.asarray(x0) + np.sqrt(1.0 - a_t) * np.asarray(noise)
