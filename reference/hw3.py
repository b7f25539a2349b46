"""hw3: the DDPM objective and score matching.

The contract's functions for problem set ``seeds/002`` (Homework 3), under
the contract's names, in the contract's order. Each is implemented once in
its topic module and only re-exported here:

=================================  ===============================  =======
function                           module                           problem
=================================  ===============================  =======
``ddpm_q_sample``                  :mod:`reference.ddpm`            2
``posterior_mean_from_eps``        :mod:`reference.ddpm`            2
``ddpm_eps_loss_weight``           :mod:`reference.ddpm`            2
``ddpm_prior_kl``                  :mod:`reference.ddpm`            2
``implicit_score_matching_loss``   :mod:`reference.score_matching`  3
``denoising_score_matching_loss``  :mod:`reference.score_matching`  4
=================================  ===============================  =======
"""

from __future__ import annotations

from .ddpm import ddpm_eps_loss_weight, ddpm_prior_kl, ddpm_q_sample, posterior_mean_from_eps
from .score_matching import denoising_score_matching_loss, implicit_score_matching_loss

__all__ = [
    "ddpm_q_sample",
    "posterior_mean_from_eps",
    "ddpm_eps_loss_weight",
    "ddpm_prior_kl",
    "implicit_score_matching_loss",
    "denoising_score_matching_loss",
]
