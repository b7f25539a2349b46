"""Scales the attention logits by 1/sqrt(d_head) instead of 1/sqrt(d_attn).

mistake: mha1: scale_by_d_head
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import numpy as np


def _softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def mha1(Q, K, V, params):
    Q, K, V = (np.asarray(a, dtype=np.float64) for a in (Q, K, V))
    W_Q, W_K, W_V, W_O = (np.asarray(params[k], dtype=np.float64) for k in ("W_Q", "W_K", "W_V", "W_O"))
    H, _, d_head = W_V.shape
    outs = []
    for h in range(H):
        s = (Q @ W_Q[h]) @ (K @ W_K[h]).T / np.sqrt(d_head)
        outs.append(_softmax(s) @ (V @ W_V[h]))
    return np.concatenate(outs, axis=1) @ W_O
