"""Counts W_O as d_head * d_out parameters, forgetting that it has H * d_head rows.

mistake: mha_param_counts: output_projection_missing_heads
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    per_head_qk = d_Q * d_attn + d_K * d_attn
    mha1 = H * (per_head_qk + d_V * d_head) + d_head * d_out
    mha2 = H * (per_head_qk + d_V * d_out)
    return mha1, mha2
