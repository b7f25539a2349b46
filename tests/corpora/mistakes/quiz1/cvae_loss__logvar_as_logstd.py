"""Treats the decoder's log-variance as a log standard deviation (variance exp(2 logvar)).

mistake: cvae_loss: logvar_as_logstd
source: 004_45e6374c80f3c10e.txt, problem 3
"""
import math

import torch


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    kl = 0.5 * torch.sum(enc_logvar.exp() + enc_mean ** 2 - 1.0 - enc_logvar, dim=1)
    sigma = torch.exp(dec_logvar)  # decoder std
    nll = torch.sum(torch.log(sigma) + 0.5 * ((z_prev - dec_mean) / sigma) ** 2
                    + 0.5 * math.log(2 * math.pi), dim=1)
    return kl + nll
