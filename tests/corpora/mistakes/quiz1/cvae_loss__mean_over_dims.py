"""Averages the KL and negative log-likelihood over dimensions instead of summing them.

mistake: cvae_loss: mean_over_dims
source: 004_45e6374c80f3c10e.txt, problem 3
"""
import math

import torch


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    kl = 0.5 * (torch.exp(enc_logvar) + enc_mean ** 2 - 1 - enc_logvar)
    nll = 0.5 * (math.log(2 * math.pi) + dec_logvar + (z_prev - dec_mean) ** 2 / torch.exp(dec_logvar))
    return kl.mean(dim=1) + nll.mean(dim=1)
