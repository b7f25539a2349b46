"""quiz1: diffusion as a progressive VAE (problem set ``seeds/004``, TTIC 31230 quiz 3).

The contract's functions for quiz1, in contract order, re-exported from the
topic modules where each is written once:

==========================  ==============================  ===========
name                        problem                         module
==========================  ==============================  ===========
``sample_z``                1(a), z_l from z_0              ``vae``
``sample_z_forward``        1(b), z_{l+k} from z_l          ``vae``
``ou_sample``               1(d), w(t) from w(0)            ``sde``
``ou_euler_step``           1(e), Euler-Maruyama step       ``sde``
``optimal_denoiser_at_L``   2(a), the mean image            ``vae``
``cvae_loss``               3, conditional Gaussian VAE     ``vae``
==========================  ==============================  ===========
"""

from __future__ import annotations

from reference.sde import ou_euler_step, ou_sample
from reference.vae import cvae_loss, optimal_denoiser_at_L, sample_z, sample_z_forward

__all__ = [
    "sample_z",
    "sample_z_forward",
    "ou_sample",
    "ou_euler_step",
    "optimal_denoiser_at_L",
    "cvae_loss",
]
