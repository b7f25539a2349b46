"""Preference models and direct preference optimisation (hw4 problem 2).

KL-regularised reward maximisation has a closed-form optimal policy; solving
it for the reward gives the implicit reward beta log(pi/pi_ref) (+ a term
that cancels), which turns the Bradley-Terry (pairs) and Plackett-Luce
(rankings) likelihoods into losses on the policy alone. Names follow the
DPO authors' code (``policy_chosen_logps`` ... ``chosen_rewards``). Tensors
are ``torch.float64``; log-probabilities are of whole responses.

Glossary (hw4 problem 2; Rafailov et al. 2023, arXiv:2305.18290):

=============================  ==========================  =====================
code                           symbol                      equation
=============================  ==========================  =====================
``ref_probs``                  pi_ref(y | x)               eq. 3
``rewards``                    r(x, y)                     eq. 3
``beta``                       beta                        KL weight, eq. 3
``policy_chosen_logps``        log pi_theta(y_w | x)       eq. 7
``policy_rejected_logps``      log pi_theta(y_l | x)       eq. 7
``reference_chosen_logps``     log pi_ref(y_w | x)         eq. 7
``reference_rejected_logps``   log pi_ref(y_l | x)         eq. 7
``chosen_rewards``             r_hat(x, y_w)               beta log(pi/pi_ref), sec. 5
``rejected_rewards``           r_hat(x, y_l)
``logits``                     delta = r_hat_w - r_hat_l   eq. 7
``losses``                     -log sigmoid(delta)         eq. 7
``weight``                     sigmoid(-delta)             gradient weight, sec. 4
``policy_logps``               log pi_theta(y_tau(k) | x)  ranked, appendix A.3
=============================  ==========================  =====================
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from reference._validate import require_positive, require_scalar, require_tensor

__all__ = [
    "optimal_policy",
    "dpo_loss",
    "dpo_grad_weight",
    "bradley_terry_prob",
    "plackett_luce_logprob",
]


def _beta(beta: float | torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    beta_ = require_scalar(beta, "beta", like=like)
    if not bool(beta_ > 0):
        raise ValueError(f"beta must be > 0, got {beta_.item()!r}")
    return beta_


def _same_shape(ndim: int, **tensors: torch.Tensor) -> torch.Tensor:
    """Check floating tensors of ``ndim`` dims sharing one shape; return the first."""
    items = list(tensors.items())
    for name, value in items:
        require_tensor(value, name, ndim=ndim)
    first_name, first = items[0]
    for name, value in items[1:]:
        if value.shape != first.shape:
            raise ValueError(
                f"{name} must have the shape of {first_name}, {tuple(first.shape)}, "
                f"got {tuple(value.shape)}"
            )
    return first


def _implicit_rewards(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    reference_chosen_logps: torch.Tensor,
    reference_rejected_logps: torch.Tensor,
    beta: float | torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    like = _same_shape(
        1,
        policy_chosen_logps=policy_chosen_logps,
        policy_rejected_logps=policy_rejected_logps,
        reference_chosen_logps=reference_chosen_logps,
        reference_rejected_logps=reference_rejected_logps,
    )
    beta_ = _beta(beta, like)
    chosen_rewards = beta_ * (policy_chosen_logps - reference_chosen_logps)
    rejected_rewards = beta_ * (policy_rejected_logps - reference_rejected_logps)
    return chosen_rewards, rejected_rewards


def optimal_policy(
    ref_probs: torch.Tensor, rewards: torch.Tensor, beta: float | torch.Tensor
) -> torch.Tensor:
    r"""Optimal policy of KL-regularised reward maximisation.

    Parameters
    ----------
    ref_probs : (N, V) torch.Tensor
        Reference distributions pi_ref(. | x_n), non-negative, each row
        with positive total mass.
    rewards : (N, V) torch.Tensor
        Rewards r(x_n, y).
    beta : float or 0-dim torch.Tensor
        KL weight, > 0.

    Returns
    -------
    (N, V) torch.Tensor
        pi*(y | x_n), each row summing to 1.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes differ, ``beta <= 0``, or ``ref_probs`` has a negative
        entry or a row of zeros.

    Notes
    -----
    hw4 problem 2(b) (DPO, arXiv:2305.18290, eq. 4): the maximiser of
    E_pi[r] - beta KL(pi || pi_ref) is

    .. math::

        \pi^*(y \mid x) = \frac{\pi_{ref}(y \mid x)\exp(r(x, y)/\beta)}{Z(x)},

    computed as a softmax of log pi_ref + r/beta (stable for large r/beta;
    a zero reference probability stays zero). ``ref_probs`` need not be
    normalised: the normalisation over V absorbs its total.
    """
    _same_shape(2, ref_probs=ref_probs, rewards=rewards)
    beta_ = _beta(beta, ref_probs)
    require_positive(ref_probs, "ref_probs", strict=False)
    if bool((ref_probs.sum(-1) <= 0).any()):
        raise ValueError("every row of ref_probs must have positive mass, got a row of zeros")
    return torch.softmax(torch.log(ref_probs) + rewards / beta_, dim=-1)


def dpo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    reference_chosen_logps: torch.Tensor,
    reference_rejected_logps: torch.Tensor,
    beta: float | torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""DPO loss per preference pair, with the implicit rewards.

    Parameters
    ----------
    policy_chosen_logps : (N,) torch.Tensor
        log pi_theta(y_w | x) of the preferred responses.
    policy_rejected_logps : (N,) torch.Tensor
        log pi_theta(y_l | x) of the dispreferred responses.
    reference_chosen_logps : (N,) torch.Tensor
        log pi_ref(y_w | x).
    reference_rejected_logps : (N,) torch.Tensor
        log pi_ref(y_l | x).
    beta : float or 0-dim torch.Tensor
        KL weight, > 0.

    Returns
    -------
    losses : (N,) torch.Tensor
        -log sigmoid(chosen_rewards - rejected_rewards), differentiable.
    chosen_rewards : (N,) torch.Tensor
        beta (policy_chosen_logps - reference_chosen_logps), detached.
    rejected_rewards : (N,) torch.Tensor
        beta (policy_rejected_logps - reference_rejected_logps), detached.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes differ or ``beta <= 0``.

    Notes
    -----
    hw4 problem 2(e)-(f) (DPO, arXiv:2305.18290, eq. 7):

    .. math::

        \mathcal L_{DPO} = -\log\sigma\Bigl(
        \beta\log\frac{\pi_\theta(y_w|x)}{\pi_{ref}(y_w|x)}
        - \beta\log\frac{\pi_\theta(y_l|x)}{\pi_{ref}(y_l|x)}\Bigr),

    evaluated with ``logsigmoid`` (no overflow for large margins). The
    rewards are detached as in the authors' ``trainers.py``: they are for
    logging, and the gradient flows through ``losses`` only.
    """
    chosen_rewards, rejected_rewards = _implicit_rewards(
        policy_chosen_logps,
        policy_rejected_logps,
        reference_chosen_logps,
        reference_rejected_logps,
        beta,
    )
    logits = chosen_rewards - rejected_rewards
    losses = -F.logsigmoid(logits)
    return losses, chosen_rewards.detach(), rejected_rewards.detach()


def dpo_grad_weight(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    reference_chosen_logps: torch.Tensor,
    reference_rejected_logps: torch.Tensor,
    beta: float | torch.Tensor,
) -> torch.Tensor:
    r"""Per-pair weight of the DPO gradient.

    Parameters
    ----------
    policy_chosen_logps : (N,) torch.Tensor
        log pi_theta(y_w | x).
    policy_rejected_logps : (N,) torch.Tensor
        log pi_theta(y_l | x).
    reference_chosen_logps : (N,) torch.Tensor
        log pi_ref(y_w | x).
    reference_rejected_logps : (N,) torch.Tensor
        log pi_ref(y_l | x).
    beta : float or 0-dim torch.Tensor
        KL weight, > 0.

    Returns
    -------
    (N,) torch.Tensor
        sigmoid(rejected_rewards - chosen_rewards), in (0, 1).

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes differ or ``beta <= 0``.

    Notes
    -----
    hw4 problem 2(f) (DPO, arXiv:2305.18290, section 4):

    .. math::

        \nabla_\theta \mathcal L_{DPO} = -\beta\,\sigma(\hat r_l - \hat r_w)
        \bigl(\nabla_\theta\log\pi_\theta(y_w|x) - \nabla_\theta\log\pi_\theta(y_l|x)\bigr),

    so the weight sigma(r_hat_l - r_hat_w) is the probability the implicit
    reward model gives to the wrong order: pairs it gets wrong count more.
    """
    chosen_rewards, rejected_rewards = _implicit_rewards(
        policy_chosen_logps,
        policy_rejected_logps,
        reference_chosen_logps,
        reference_rejected_logps,
        beta,
    )
    return torch.sigmoid(rejected_rewards - chosen_rewards)


def bradley_terry_prob(reward_chosen: torch.Tensor, reward_rejected: torch.Tensor) -> torch.Tensor:
    r"""Bradley-Terry probability that the chosen response is preferred.

    Parameters
    ----------
    reward_chosen : (N,) torch.Tensor
        r(x, y_w).
    reward_rejected : (N,) torch.Tensor
        r(x, y_l).

    Returns
    -------
    (N,) torch.Tensor
        sigmoid(reward_chosen - reward_rejected).

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes differ.

    Notes
    -----
    hw4 problem 2(e) (DPO, arXiv:2305.18290, eq. 1):

    .. math::

        p(y_w \succ y_l \mid x) = \frac{e^{r(x,y_w)}}{e^{r(x,y_w)} + e^{r(x,y_l)}}
        = \sigma\bigl(r(x,y_w) - r(x,y_l)\bigr).
    """
    _same_shape(1, reward_chosen=reward_chosen, reward_rejected=reward_rejected)
    return torch.sigmoid(reward_chosen - reward_rejected)


def plackett_luce_logprob(
    policy_logps: torch.Tensor, reference_logps: torch.Tensor, beta: float | torch.Tensor
) -> torch.Tensor:
    r"""Plackett-Luce log-probability of a ranking under the implicit rewards.

    Parameters
    ----------
    policy_logps : (N, K) torch.Tensor
        log pi_theta of the K responses, in ranked order (best first).
    reference_logps : (N, K) torch.Tensor
        log pi_ref of the same responses, same order.
    beta : float or 0-dim torch.Tensor
        KL weight, > 0.

    Returns
    -------
    (N,) torch.Tensor
        log p(tau | y_1..y_K, x) = sum_k [r_k - logsumexp_{j >= k} r_j].

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes differ, K < 1, or ``beta <= 0``.

    Notes
    -----
    hw4 problem 2(g) (Plackett 1975, Luce 1959; DPO, arXiv:2305.18290,
    eq. 18 and appendix A.3): with r_k = beta log(pi_theta/pi_ref)(y_tau(k)),

    .. math::

        \log p(\tau) = \sum_{k=1}^{K}\Bigl(r_k - \log\sum_{j=k}^{K} e^{r_j}\Bigr);

    beta log Z(x) cancels from numerator and denominator. The tail sums are
    a reversed ``logcumsumexp``. For K = 2 this is log sigmoid(r_1 - r_2),
    the Bradley-Terry model.
    """
    like = _same_shape(2, policy_logps=policy_logps, reference_logps=reference_logps)
    if like.shape[-1] < 1:
        raise ValueError(
            "policy_logps must rank at least one response (K >= 1), "
            f"got shape {tuple(like.shape)}"
        )
    beta_ = _beta(beta, like)
    rewards = beta_ * (policy_logps - reference_logps)
    tail_logsumexp = torch.logcumsumexp(rewards.flip(-1), dim=-1).flip(-1)  # [N, K]
    return (rewards - tail_logsumexp).sum(-1)
