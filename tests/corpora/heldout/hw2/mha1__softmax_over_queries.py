"""Applies the attention softmax over the query axis (dim 0) instead of over the keys.

mistake: mha1: softmax_over_queries
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import math
import torch


def mha1(Q, K, V, params):
    W_Q, W_K, W_V, W_O = params["W_Q"], params["W_K"], params["W_V"], params["W_O"]
    d_attn = W_Q.shape[-1]
    q = torch.einsum("ld,hda->hla", Q, W_Q)
    k = torch.einsum("ld,hda->hla", K, W_K)
    v = torch.einsum("ld,hde->hle", V, W_V)
    scores = torch.einsum("hia,hja->hij", q, k) / math.sqrt(d_attn)
    weights = torch.softmax(scores, dim=1)
    heads = torch.einsum("hij,hje->ihe", weights, v)        # [L, H, d_head]
    L = Q.shape[0]
    return heads.reshape(L, -1) @ W_O
