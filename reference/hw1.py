"""hw1: score-based foundations (problem set ``seeds/001``, Homework 1).

The contract's functions for hw1, in contract order, re-exported from the
topic modules where each is written once:

==============================  ====================  =====================
name                            problem               module
==============================  ====================  =====================
``tweedie_posterior_mean``      1, Tweedie's formula  ``score_matching``
``gaussian_kl``                 2, Gaussian KL        ``gaussian``
``ffjord_log_density``          3, FFJORD             ``ffjord``
``ffjord_adjoint_grad``         3, FFJORD adjoint     ``ffjord``
``backprop_v1``                 4, backprop v1        ``backprop``
``backprop_v2``                 4, backprop v2        ``backprop``
``fokker_planck_rhs``           5, Fokker-Planck      ``fokker_planck``
``ve_sde_sample``               6, VE SDE             ``sde``
``reverse_sde_drift``           7, reverse SDE family ``sde``
``reverse_sde_sample``          7, reverse SDE family ``sde``
==============================  ====================  =====================
"""

from __future__ import annotations

from reference.backprop import backprop_v1, backprop_v2
from reference.ffjord import ffjord_adjoint_grad, ffjord_log_density
from reference.fokker_planck import fokker_planck_rhs
from reference.gaussian import gaussian_kl
from reference.score_matching import tweedie_posterior_mean
from reference.sde import reverse_sde_drift, reverse_sde_sample, ve_sde_sample

__all__ = [
    "tweedie_posterior_mean",
    "gaussian_kl",
    "ffjord_log_density",
    "ffjord_adjoint_grad",
    "backprop_v1",
    "backprop_v2",
    "fokker_planck_rhs",
    "ve_sde_sample",
    "reverse_sde_drift",
    "reverse_sde_sample",
]
