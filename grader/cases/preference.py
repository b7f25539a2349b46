"""Case generators of the preference functions (``reference/preference.py``, hw4 problem 2).

Log-probabilities of whole responses are negative and of realistic size
(tens of nats), with policy and reference differing by a few nats, so that
every correct formula (``logsigmoid``, ``-log(sigmoid)``, NumPy
``logaddexp``) is accurate to float64 rounding on them. ``beta`` is a
Python float: the config's number or ``"random"`` (log-uniform in
[0.05, 1)). Every generator takes a seeded ``torch.Generator`` ``g``, the
source of all its draws, and ``N``, the batch size.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.cases.draws import log_uniform_law, randn, resolve, uniform

__all__ = ["CASES"]


def _beta(g: torch.Generator, beta: float | str) -> float:
    """A config's KL weight beta: a number, or ``"random"`` (log-uniform in [0.05, 1))."""
    return resolve(g, beta, float, random=log_uniform_law(0.05, 1.0))


def optimal_policy(g: torch.Generator, N: int, V: int, beta: float | str = "random") -> dict[str, Any]:
    """Arguments (ref_probs, rewards, beta) of ``optimal_policy`` (hw4 problem 2(b)).

    Returns
    -------
    dict
        ``ref_probs``: ``[N, V]`` float64, softmax of N(0, 1.5^2) logits
        (rows sum to 1); ``rewards``: ``[N, V]`` float64 N(0, 1), so r/beta
        stays below about 100 and a direct ``exp(r/beta)`` does not
        overflow; ``beta``: a Python float.
    """
    ref_probs = torch.softmax(randn(g, N, V, scale=1.5), dim=-1)
    return {"ref_probs": ref_probs, "rewards": randn(g, N, V), "beta": _beta(g, beta)}


def dpo_pairs(g: torch.Generator, N: int, beta: float | str = "random") -> dict[str, Any]:
    """Arguments of ``dpo_loss`` and ``dpo_grad_weight`` (hw4 problem 2(e)-(f)).

    Returns
    -------
    dict
        ``policy_chosen_logps``, ``policy_rejected_logps``,
        ``reference_chosen_logps``, ``reference_rejected_logps``: ``[N]``
        float64, the reference uniform in [-120, -5) and the policy within
        N(0, 2^2) nats of it; ``beta``: a Python float.
    """
    ref_c = -uniform(g, 5.0, 120.0, N)
    ref_r = -uniform(g, 5.0, 120.0, N)
    pol_c = ref_c + randn(g, N, scale=2.0)
    pol_r = ref_r + randn(g, N, scale=2.0)
    return {
        "policy_chosen_logps": pol_c,
        "policy_rejected_logps": pol_r,
        "reference_chosen_logps": ref_c,
        "reference_rejected_logps": ref_r,
        "beta": _beta(g, beta),
    }


def bradley_terry_prob(g: torch.Generator, N: int, scale: float = 2.0) -> dict[str, Any]:
    """Arguments (reward_chosen, reward_rejected) of ``bradley_terry_prob`` (hw4 problem 2(e)).

    Returns
    -------
    dict
        ``reward_chosen``, ``reward_rejected``: ``[N]`` float64 N(0, scale^2).
    """
    return {"reward_chosen": randn(g, N, scale=scale), "reward_rejected": randn(g, N, scale=scale)}


def plackett_luce_logprob(g: torch.Generator, N: int, K: int, beta: float | str = "random") -> dict[str, Any]:
    """Arguments (policy_logps, reference_logps, beta) of ``plackett_luce_logprob`` (hw4 problem 2(g)).

    Returns
    -------
    dict
        ``policy_logps``, ``reference_logps``: ``[N, K]`` float64, K
        responses in ranked order, log-probabilities as in
        :func:`dpo_pairs`; ``beta``: a Python float.
    """
    ref = -uniform(g, 5.0, 120.0, N, K)
    return {
        "policy_logps": ref + randn(g, N, K, scale=2.0),
        "reference_logps": ref,
        "beta": _beta(g, beta),
    }


CASES = {
    "optimal_policy": optimal_policy,
    "dpo_pairs": dpo_pairs,
    "bradley_terry_prob": bradley_terry_prob,
    "plackett_luce_logprob": plackett_luce_logprob,
}
