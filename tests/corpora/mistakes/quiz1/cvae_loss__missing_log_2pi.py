"""Drops the constant 1/2 log(2 pi) per dimension from the decoder's negative log-likelihood.

mistake: cvae_loss: missing_log_2pi
source: 004_45e6374c80f3c10e.txt, problem 3
"""
import torch


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    kl = -0.5 * (1 + enc_logvar - enc_mean.pow(2) - enc_logvar.exp()).sum(-1)
    rec = 0.5 * (dec_logvar + (z_prev - dec_mean).pow(2) / dec_logvar.exp()).sum(-1)
    return kl + rec
