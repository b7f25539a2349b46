"""Builds the attention logits as K~ Q~^T instead of Q~ K~^T, so each key (not each query) gets a distribution.

mistake: mha2: attention_transposed
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import math

import torch


def mha2(Q, K, V, params):
    W_Q, W_K, W_V = params["W_Q"], params["W_K"], params["W_V"]
    d_attn = W_Q.shape[2]
    out = None
    for h in range(W_Q.shape[0]):
        logits = (K @ W_K[h]) @ (Q @ W_Q[h]).T / math.sqrt(d_attn)
        head = torch.softmax(logits, dim=-1) @ (V @ W_V[h])
        out = head if out is None else out + head
    return out
