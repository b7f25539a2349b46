"""Splits W_O by taking every H-th row (reshape(d_head, H, d_out)) instead of contiguous row blocks.

mistake: mha1_to_mha2: interleaved_W_O_blocks
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import torch


def mha1_to_mha2(params):
    W_V, W_O = params["W_V"], params["W_O"]
    H, d_V, d_head = W_V.shape
    d_out = W_O.shape[1]
    blocks = W_O.reshape(d_head, H, d_out).permute(1, 0, 2)  # [H, d_head, d_out]
    new = dict(params)
    new["W_V"] = torch.einsum("hve,heo->hvo", W_V, blocks)
    return new
