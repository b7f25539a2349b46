"""Check kinds by topic, registered in one plain dict.

==================  ==========================================================
module              kinds
==================  ==========================================================
``elementwise``     ``elementwise`` (every output against the reference)
``score_matching``  ``tweedie_exact_posterior``, ``dsm_gap``, ``ism_equals_esm``
``ffjord``          ``ffjord_autograd_grad``, ``ffjord_probe_average``
``fokker_planck``   ``fokker_planck_convergence``
``sde``             ``ve_increment_law``, ``reverse_sde_marginal``
``ddim``            ``ddim_marginals``, ``ddim_sample_law``
``toy``             ``toy_ddpm_variance``, ``toy_ddim_variance``
``preference``      ``dpo_loss_gradient``
==================  ==========================================================

A rubric check's ``kind:`` is a key of :data:`CHECK_KINDS`. Adding a kind:
write a :class:`~grader.judge.checks.CheckKind` subclass in its topic's
module, list it in that module's ``KINDS``.
"""

from __future__ import annotations

from grader.judge.checks import CheckKind
from grader.judge.kinds import ddim, elementwise, ffjord, fokker_planck, preference, score_matching, sde, toy
from grader.sandbox.registry import merge_tables

__all__ = ["CHECK_KINDS"]


#: Registry of check kinds: name -> kind.
CHECK_KINDS: dict[str, CheckKind] = merge_tables("KINDS", (elementwise, score_matching, ffjord, fokker_planck, sde,
                                                             ddim, toy, preference))
