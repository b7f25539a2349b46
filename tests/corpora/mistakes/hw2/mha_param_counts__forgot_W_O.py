"""Leaves the output projection W_O out of the MHA1 count.

mistake: mha_param_counts: forgot_W_O
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""


def mha_param_counts(d_Q, d_K, d_V, d_attn, d_head, d_out, H):
    mha1 = H * (d_Q * d_attn + d_K * d_attn + d_V * d_head)
    mha2 = H * (d_Q * d_attn + d_K * d_attn + d_V * d_out)
    return mha1, mha2
