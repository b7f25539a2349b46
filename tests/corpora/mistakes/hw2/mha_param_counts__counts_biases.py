"""Counts bias vectors for every projection although the layers have no bias.

mistake: mha_param_counts: counts_biases
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    per_head_qk = (d_Q + 1) * d_attn + (d_K + 1) * d_attn
    mha1 = H * (per_head_qk + (d_V + 1) * d_head) + (H * d_head + 1) * d_out
    mha2 = H * (per_head_qk + (d_V + 1) * d_out)
    return mha1, mha2
