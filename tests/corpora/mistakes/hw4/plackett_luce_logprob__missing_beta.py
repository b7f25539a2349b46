"""Uses the raw log-ratios policy - reference as rewards, without the factor beta.

mistake: plackett_luce_logprob: missing_beta
source: 003_4ea08618c667dec6.txt, problem 2
"""
import numpy as np


def _lse(a, axis):
    m = a.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def plackett_luce_logprob(policy_logps, reference_logps, beta):
    r = np.asarray(policy_logps, dtype=np.float64) - np.asarray(reference_logps, dtype=np.float64)
    K = r.shape[1]
    out = np.zeros(r.shape[0])
    for k in range(K):
        out += r[:, k] - _lse(r[:, k:], axis=1)
    return out
