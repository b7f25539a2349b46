"""Overwrites params["W_V"] in the caller's dict (and returns it) instead of building a new dict.

mistake: mha1_to_mha2: modifies_params_in_place
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import torch


def mha1_to_mha2(params):
    W_V = params["W_V"]
    W_O = params["W_O"]
    H, d_V, d_head = W_V.shape
    merged = []
    for h in range(H):
        W_O_h = W_O[h * d_head:(h + 1) * d_head, :]
        merged.append(W_V[h] @ W_O_h)
    params["W_V"] = torch.stack(merged)
    return params
