"""Scales the attention logits by 1/d_attn instead of 1/sqrt(d_attn).

mistake: mha1: scale_by_d_attn
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import torch


def mha1(Q, K, V, params):
    H = params["W_Q"].shape[0]
    d_attn = params["W_Q"].shape[2]
    heads = []
    for h in range(H):
        qh = Q @ params["W_Q"][h]
        kh = K @ params["W_K"][h]
        vh = V @ params["W_V"][h]
        a = torch.softmax(qh @ kh.transpose(0, 1) / d_attn, dim=-1)
        heads.append(a @ vh)
    return torch.cat(heads, dim=1) @ params["W_O"]
