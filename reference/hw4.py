"""hw4: Gaussian toy diffusion and DPO (problem set ``seeds/003``, Homework 4).

The contract's functions for hw4, in contract order, re-exported from the
topic modules where each is written once:

============================  =====================================  ==============
name                          problem                                module
============================  =====================================  ==============
``toy_marginal_var``          1(b), marginal variance                ``toy``
``toy_reverse_conditional``   1(c), X_{t-dt} | X_t                   ``toy``
``toy_ddpm_sample``           1(d)-(e), DDPM sampler                 ``toy``
``toy_ddim_sample``           1(g)-(h), DDIM sampler                 ``toy``
``toy_denoiser_target``       1(f), denoiser target                  ``toy``
``optimal_policy``            2(b), KL-regularised optimum           ``preference``
``dpo_loss``                  2(e)-(f), DPO loss                     ``preference``
``dpo_grad_weight``           2(f), gradient weight                  ``preference``
``bradley_terry_prob``        2(e), Bradley-Terry                    ``preference``
``plackett_luce_logprob``     2(g), Plackett-Luce                    ``preference``
============================  =====================================  ==============
"""

from __future__ import annotations

from reference.preference import (
    bradley_terry_prob,
    dpo_grad_weight,
    dpo_loss,
    optimal_policy,
    plackett_luce_logprob,
)
from reference.toy import (
    toy_ddim_sample,
    toy_ddpm_sample,
    toy_denoiser_target,
    toy_marginal_var,
    toy_reverse_conditional,
)

__all__ = [
    "toy_marginal_var",
    "toy_reverse_conditional",
    "toy_ddpm_sample",
    "toy_ddim_sample",
    "toy_denoiser_target",
    "optimal_policy",
    "dpo_loss",
    "dpo_grad_weight",
    "bradley_terry_prob",
    "plackett_luce_logprob",
]
