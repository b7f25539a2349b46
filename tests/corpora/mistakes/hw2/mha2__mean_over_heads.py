"""Averages the heads instead of summing them in MHA2.

mistake: mha2: mean_over_heads
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import math

import torch


def mha2(Q, K, V, params):
    W_Q, W_K, W_V = params["W_Q"], params["W_K"], params["W_V"]
    scale = 1 / math.sqrt(W_Q.shape[-1])
    heads = []
    for h in range(W_Q.shape[0]):
        att = torch.softmax((Q @ W_Q[h]) @ (K @ W_K[h]).T * scale, dim=-1)
        heads.append(att @ (V @ W_V[h]))
    return torch.stack(heads).mean(dim=0)
