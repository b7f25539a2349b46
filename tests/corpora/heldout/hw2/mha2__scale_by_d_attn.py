"""Divides the attention logits by d_attn instead of sqrt(d_attn).

mistake: mha2: scale_by_d_attn
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import torch


def mha2(Q, K, V, params):
    W_Q, W_K, W_V = params["W_Q"], params["W_K"], params["W_V"]
    H = W_Q.shape[0]
    d_attn = W_Q.shape[2]
    out = None
    for h in range(H):
        q = Q @ W_Q[h]
        k = K @ W_K[h]
        v = V @ W_V[h]
        A = torch.softmax(q @ k.transpose(0, 1) / d_attn, dim=-1)
        head = A @ v
        out = head if out is None else out + head
    return out
