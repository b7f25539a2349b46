"""Forgets the factor 1/2 in front of the Gaussian KL term.

mistake: cvae_loss: kl_missing_half
source: 004_45e6374c80f3c10e.txt, problem 3
"""
import numpy as np


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    z, m, lv = np.asarray(z_prev), np.asarray(enc_mean), np.asarray(enc_logvar)
    dm, dlv = np.asarray(dec_mean), np.asarray(dec_logvar)
    kl = np.sum(np.exp(lv) + m ** 2 - 1 - lv, axis=-1)
    nll = 0.5 * np.sum(np.log(2 * np.pi) + dlv + (z - dm) ** 2 * np.exp(-dlv), axis=-1)
    return kl + nll
