"""Overwrites W_V in the caller's params dict instead of returning a new dict, so the MHA1 parameters are modified in place.

mistake: mha1_to_mha2: mutates_params
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import torch


def mha1_to_mha2(params):
    W_V, W_O = params["W_V"], params["W_O"]
    d_head = W_V.shape[2]
    params["W_V"] = torch.stack([W_V[h] @ W_O[h * d_head:(h + 1) * d_head] for h in range(W_V.shape[0])])
    return params
