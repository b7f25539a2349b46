"""hw2: DDPM, DDIM, denoising score matching near t = 0, attention.

The contract's functions for problem set ``seeds/000`` (Homework 2), under
the contract's names, in the contract's order. Each is implemented once in
its topic module and only re-exported here:

==================================  ===============================  =======
function                            module                           problem
==================================  ===============================  =======
``ddpm_posterior``                  :mod:`reference.ddpm`            1
``ddpm_posterior_mean_from_score``  :mod:`reference.ddpm`            1
``ddim_step``                       :mod:`reference.ddim`            2
``ddim_forward_process``            :mod:`reference.ddim`            2
``ddim_sample``                     :mod:`reference.ddim`            2
``ou_coefficients``                 :mod:`reference.sde`             3
``dsm_loss``                        :mod:`reference.score_matching`  3
``reverse_ode_drift``               :mod:`reference.sde`             3(e)
``mha1``                            :mod:`reference.attention`       4
``mha2``                            :mod:`reference.attention`       4
``mha1_to_mha2``                    :mod:`reference.attention`       4(a)
``mha_param_counts``                :mod:`reference.attention`       4(b)
==================================  ===============================  =======

Note the two notations: in problem 1 (DDPM) ``betas[t-1]`` is beta_t and
abar_t is a cumulative product; in problem 2 (DDIM) ``alphas[t-1]`` is
already cumulative.
"""

from __future__ import annotations

from .attention import mha1, mha1_to_mha2, mha2, mha_param_counts
from .ddim import ddim_forward_process, ddim_sample, ddim_step
from .ddpm import ddpm_posterior, ddpm_posterior_mean_from_score
from .score_matching import dsm_loss
from .sde import ou_coefficients, reverse_ode_drift

__all__ = [
    "ddpm_posterior",
    "ddpm_posterior_mean_from_score",
    "ddim_step",
    "ddim_forward_process",
    "ddim_sample",
    "ou_coefficients",
    "dsm_loss",
    "reverse_ode_drift",
    "mha1",
    "mha2",
    "mha1_to_mha2",
    "mha_param_counts",
]
