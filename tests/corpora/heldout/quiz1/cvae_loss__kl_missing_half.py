"""Omits the factor 1/2 in the Gaussian KL term to the N(0, I) prior.

mistake: cvae_loss: kl_missing_half
source: 004_45e6374c80f3c10e.txt, problem 3
"""
import math
import torch


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    kl = torch.sum(enc_logvar.exp() + enc_mean ** 2 - 1.0 - enc_logvar, dim=-1)
    d = z_prev.shape[-1]
    nll = 0.5 * torch.sum(dec_logvar + (z_prev - dec_mean) ** 2 * torch.exp(-dec_logvar), dim=-1) \
        + 0.5 * d * math.log(2 * math.pi)
    return kl + nll
