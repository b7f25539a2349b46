"""Counts the per-head projection matrices once instead of H times.

mistake: mha_param_counts: no_head_factor
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    qk = d_Q * d_attn + d_K * d_attn
    mha1 = qk + d_V * d_head + H * d_head * d_out
    mha2 = qk + d_V * d_out
    return int(mha1), int(mha2)
