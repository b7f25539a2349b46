"""Drops the constant (d/2) log(2 pi) from the Gaussian negative log-likelihood of the decoder.

mistake: cvae_loss: nll_missing_log_2pi
source: 004_45e6374c80f3c10e.txt, problem 3
"""
import numpy as np


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar = (
        np.asarray(a, dtype=np.float64) for a in (z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar))
    kl = 0.5 * np.sum(np.exp(enc_logvar) + enc_mean ** 2 - 1.0 - enc_logvar, axis=1)
    nll = 0.5 * np.sum(dec_logvar + (z_prev - dec_mean) ** 2 / np.exp(dec_logvar), axis=1)
    return kl + nll
