"""Returns the output transposed, [d_out, L] instead of [L, d_out] (W_O^T concat^T).

mistake: mha1: output_transposed
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import math

import torch


def mha1(Q, K, V, params):
    W_Q, W_K, W_V, W_O = params["W_Q"], params["W_K"], params["W_V"], params["W_O"]
    d_attn = W_Q.shape[-1]
    heads_T = []
    for h in range(W_Q.shape[0]):
        A = torch.softmax(Q @ W_Q[h] @ (K @ W_K[h]).T / math.sqrt(d_attn), dim=-1)
        heads_T.append((A @ V @ W_V[h]).T)  # [d_head, L]
    return W_O.T @ torch.cat(heads_T, dim=0)
