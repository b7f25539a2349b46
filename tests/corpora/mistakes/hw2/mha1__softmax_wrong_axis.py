"""Normalises the attention softmax over the query axis (dim=0) instead of over the keys.

mistake: mha1: softmax_wrong_axis
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
    att = torch.softmax(scores, dim=1)
    heads = torch.einsum("hij,hje->hie", att, v)
    H, L, d_head = heads.shape
    concat = heads.permute(1, 0, 2).reshape(L, H * d_head)
    return concat @ W_O
