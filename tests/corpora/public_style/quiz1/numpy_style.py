"""Correct quiz1 in the style of numpy-only course notebooks.

Conventions used:
- numpy only: inputs through np.asarray (after .numpy() for tensors), numpy arrays returned;
- alpha ** ell and sqrt(1 - alpha ** (2 ell)) written directly;
- OU transition with np.exp, sqrt(1 - exp(-2t)) written directly (no epsilon: at t = 0 the
  noise coefficient is exactly 0);
- Euler-Maruyama step with np.sqrt(2 dt);
- Gaussian log-density written out with np.log(2 * np.pi) and exp(-logvar).
mistake: none
"""

import numpy as np
import torch


def _np(a):
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def sample_z(z0, alpha, ell, noise):
    a = float(alpha)
    return a ** ell * _np(z0) + np.sqrt(1.0 - a ** (2 * ell)) * _np(noise)


def sample_z_forward(z_ell, alpha, k, noise):
    a = float(alpha)
    return a ** k * _np(z_ell) + np.sqrt(1.0 - a ** (2 * k)) * _np(noise)


def ou_sample(w0, t, noise):
    t = float(t)
    return np.exp(-t) * _np(w0) + np.sqrt(1.0 - np.exp(-2.0 * t)) * _np(noise)


def ou_euler_step(w, dt, noise):
    w = _np(w)
    return w - w * dt + np.sqrt(2.0 * dt) * _np(noise)


def optimal_denoiser_at_L(y):
    return np.mean(_np(y), axis=0)


def cvae_loss(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
    mu, lv = _np(enc_mean), _np(enc_logvar)
    z, m, dlv = _np(z_prev), _np(dec_mean), _np(dec_logvar)
    kl = 0.5 * np.sum(np.exp(lv) + mu ** 2 - 1.0 - lv, axis=-1)
    log_lik = -0.5 * np.sum(np.log(2 * np.pi) + dlv + (z - m) ** 2 * np.exp(-dlv), axis=-1)
    return kl - log_lik
