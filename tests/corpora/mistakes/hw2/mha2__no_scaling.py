"""Leaves out the 1/sqrt(d_attn) scaling of the attention logits in MHA2.

mistake: mha2: no_scaling
source: 000_ff2b2f8a8d165fc7.txt, problem 4
"""
import torch


def mha2(Q, K, V, params):
    q = torch.einsum("lq,hqa->hla", Q, params["W_Q"])
    k = torch.einsum("lk,hka->hla", K, params["W_K"])
    v = torch.einsum("lv,hvo->hlo", V, params["W_V"])
    att = torch.softmax(q @ k.transpose(1, 2), dim=-1)
    return (att @ v).sum(0)
