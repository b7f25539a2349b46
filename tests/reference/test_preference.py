"""Preference models and DPO (hw4 problem 2) against independent derivations."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from reference.preference import (
    bradley_terry_prob,
    dpo_grad_weight,
    dpo_loss,
    optimal_policy,
    plackett_luce_logprob,
)

DTYPE = torch.float64


def logps(N: int, seed: int, scale: float = 3.0) -> list[torch.Tensor]:
    """policy_chosen, policy_rejected, reference_chosen, reference_rejected log-probs."""
    g = torch.Generator().manual_seed(seed)
    return [-scale * torch.rand(N, generator=g, dtype=DTYPE) - 0.1 for _ in range(4)]


def kl_objective(pi: torch.Tensor, ref: torch.Tensor, r: torch.Tensor, beta: float) -> torch.Tensor:
    """E_pi[r] - beta KL(pi || pi_ref) per row (0 log 0 = 0)."""
    kl = torch.where(pi > 0, pi * (torch.log(pi) - torch.log(ref)), torch.zeros_like(pi))
    return (pi * r).sum(-1) - beta * kl.sum(-1)


# --------------------------------------------------------------------------- #
#  optimal_policy                                                             #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("beta", [0.1, 1.0, 5.0])
def test_optimal_policy_maximises_the_regularised_objective(beta):
    g = torch.Generator().manual_seed(0)
    N, V = 4, 6
    ref = torch.softmax(torch.randn(N, V, generator=g, dtype=DTYPE), -1)
    r = torch.randn(N, V, generator=g, dtype=DTYPE)
    pi = optimal_policy(ref, r, beta)
    torch.testing.assert_close(pi.sum(-1), torch.ones(N, dtype=DTYPE))
    best = kl_objective(pi, ref, r, beta)
    # the optimum value is beta log Z(x), Z = sum_y pi_ref exp(r/beta)
    log_z = torch.log((ref * torch.exp(r / beta)).sum(-1))
    torch.testing.assert_close(best, beta * log_z)
    for scale in (1e-3, 1e-1, 1.0):
        for _ in range(20):
            other = torch.softmax(
                torch.log(pi) + scale * torch.randn(N, V, generator=g, dtype=DTYPE), -1
            )
            assert bool((kl_objective(other, ref, r, beta) <= best + 1e-12).all())


def test_optimal_policy_is_stable_and_keeps_zeros():
    ref = torch.tensor([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]], dtype=DTYPE)
    r = torch.tensor([[1e4, 0.0, 1.0], [800.0, 0.0, -800.0]], dtype=DTYPE)
    pi = optimal_policy(ref, r, 0.5)
    assert bool(torch.isfinite(pi).all())
    assert float(pi[0, 0]) == 0.0  # zero reference mass stays zero
    torch.testing.assert_close(pi[1], torch.tensor([1.0, 0.0, 0.0], dtype=DTYPE))
    # unnormalised reference weights give the same policy
    torch.testing.assert_close(optimal_policy(3 * ref, r, 0.5), pi)


# --------------------------------------------------------------------------- #
#  dpo_loss, dpo_grad_weight, bradley_terry_prob                              #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("beta", [0.1, 0.5, 2.0])
def test_dpo_loss_gradient_on_chosen_logps(beta):
    pc, pr, rc, rr = logps(7, seed=1)
    pc = pc.clone().requires_grad_(True)
    losses, chosen_rewards, rejected_rewards = dpo_loss(pc, pr, rc, rr, beta)
    assert losses.shape == chosen_rewards.shape == rejected_rewards.shape == (7,)
    (grad,) = torch.autograd.grad(losses.mean(), pc)
    delta = beta * ((pc.detach() - rc) - (pr - rr))
    torch.testing.assert_close(grad, -beta * torch.sigmoid(-delta) / 7)


@pytest.mark.parametrize("beta", [0.1, 1.0])
def test_dpo_loss_is_bradley_terry_nll_of_implicit_rewards(beta):
    # independent derivation: -log [e^{r_w} / (e^{r_w} + e^{r_l})], r = beta log(pi/pi_ref)
    inputs = [t.clone().requires_grad_(True) for t in logps(9, seed=2)]
    pc, pr, rc, rr = inputs
    r_w, r_l = beta * (pc - rc), beta * (pr - rr)
    nll = -(r_w - torch.logsumexp(torch.stack([r_w, r_l]), dim=0))
    expected_grads = torch.autograd.grad(nll.sum(), inputs)

    losses, chosen_rewards, rejected_rewards = dpo_loss(*inputs, beta)
    torch.testing.assert_close(losses, nll.detach())
    torch.testing.assert_close(chosen_rewards.detach(), r_w.detach())
    torch.testing.assert_close(rejected_rewards.detach(), r_l.detach())
    for got, expected in zip(torch.autograd.grad(losses.sum(), inputs), expected_grads):
        torch.testing.assert_close(got, expected)


def test_dpo_loss_is_stable_for_large_margins():
    pc = torch.tensor([0.0, -2000.0], dtype=DTYPE)
    pr = torch.tensor([-2000.0, 0.0], dtype=DTYPE)
    zero = torch.zeros(2, dtype=DTYPE)
    losses, _, _ = dpo_loss(pc, pr, zero, zero, 1.0)
    torch.testing.assert_close(losses, torch.tensor([0.0, 2000.0], dtype=DTYPE))


@pytest.mark.parametrize("beta", [0.1, 1.0])
def test_grad_weight_consistency(beta):
    pc, pr, rc, rr = logps(8, seed=3)
    weight = dpo_grad_weight(pc, pr, rc, rr, beta)
    _, chosen_rewards, rejected_rewards = dpo_loss(pc, pr, rc, rr, beta)
    # 1 - Bradley-Terry probability of the observed order
    torch.testing.assert_close(weight, 1 - bradley_terry_prob(chosen_rewards, rejected_rewards))
    # the per-pair gradient is -beta * weight on the chosen, +beta * weight on the rejected
    pc_var, pr_var = pc.clone().requires_grad_(True), pr.clone().requires_grad_(True)
    losses, _, _ = dpo_loss(pc_var, pr_var, rc, rr, beta)
    g_chosen, g_rejected = torch.autograd.grad(losses.sum(), (pc_var, pr_var))
    torch.testing.assert_close(g_chosen, -beta * weight)
    torch.testing.assert_close(g_rejected, beta * weight)
    assert bool(((weight > 0) & (weight < 1)).all())


def test_bradley_terry_prob():
    rw = torch.tensor([0.0, 1.0, -3.0, 800.0], dtype=DTYPE)
    rl = torch.tensor([0.0, 0.0, 2.0, -800.0], dtype=DTYPE)
    expected = [0.5, math.e / (math.e + 1), 1 / (1 + math.exp(5)), 1.0]
    torch.testing.assert_close(bradley_terry_prob(rw, rl), torch.tensor(expected, dtype=DTYPE))
    torch.testing.assert_close(bradley_terry_prob(rw, rl) + bradley_terry_prob(rl, rw),
                               torch.ones(4, dtype=DTYPE))


# --------------------------------------------------------------------------- #
#  plackett_luce_logprob                                                      #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("beta", [0.2, 1.0])
def test_plackett_luce_with_two_responses_is_bradley_terry(beta):
    g = torch.Generator().manual_seed(4)
    policy = -torch.rand(6, 2, generator=g, dtype=DTYPE) * 4
    reference = -torch.rand(6, 2, generator=g, dtype=DTYPE) * 4
    r = beta * (policy - reference)
    expected = torch.log(bradley_terry_prob(r[:, 0], r[:, 1]))
    torch.testing.assert_close(plackett_luce_logprob(policy, reference, beta), expected)


@pytest.mark.parametrize("K", [1, 3, 4])
def test_plackett_luce_is_a_distribution_over_rankings(K):
    g = torch.Generator().manual_seed(5)
    policy = -torch.rand(3, K, generator=g, dtype=DTYPE) * 5
    reference = -torch.rand(3, K, generator=g, dtype=DTYPE) * 5
    beta = 0.7
    total = torch.zeros(3, dtype=DTYPE)
    for perm in itertools.permutations(range(K)):
        idx = list(perm)
        logp = plackett_luce_logprob(policy[:, idx], reference[:, idx], beta)
        # brute force: product of exp(r_k) / sum_{j >= k} exp(r_j)
        w = torch.exp(beta * (policy[:, idx] - reference[:, idx]))
        brute = torch.ones(3, dtype=DTYPE)
        for k in range(K):
            brute = brute * w[:, k] / w[:, k:].sum(-1)
        torch.testing.assert_close(logp, torch.log(brute))
        total = total + torch.exp(logp)
    torch.testing.assert_close(total, torch.ones(3, dtype=DTYPE))


def test_plackett_luce_is_stable_and_shift_invariant():
    policy = torch.tensor([[-1.0, -900.0, -1800.0]], dtype=DTYPE)
    reference = torch.zeros(1, 3, dtype=DTYPE)
    torch.testing.assert_close(
        plackett_luce_logprob(policy, reference, 1.0), torch.zeros(1, dtype=DTYPE)
    )
    # log Z(x) cancels: a shift of the implicit rewards leaves the log-probability unchanged
    g = torch.Generator().manual_seed(6)
    p = -torch.rand(2, 4, generator=g, dtype=DTYPE)
    ref = -torch.rand(2, 4, generator=g, dtype=DTYPE)
    torch.testing.assert_close(
        plackett_luce_logprob(p + 3.0, ref, 0.5), plackett_luce_logprob(p, ref, 0.5)
    )


# --------------------------------------------------------------------------- #
#  Contract hygiene                                                           #
# --------------------------------------------------------------------------- #


def test_inputs_are_not_modified():
    g = torch.Generator().manual_seed(7)
    tensors = logps(5, seed=8) + [
        torch.softmax(torch.randn(5, 3, generator=g, dtype=DTYPE), -1),
        torch.randn(5, 3, generator=g, dtype=DTYPE),
        -torch.rand(5, 3, generator=g, dtype=DTYPE),
        -torch.rand(5, 3, generator=g, dtype=DTYPE),
    ]
    copies = [t.clone() for t in tensors]
    pc, pr, rc, rr, ref, r, pl, rl = tensors
    optimal_policy(ref, r, 0.5)
    dpo_loss(pc, pr, rc, rr, 0.5)
    dpo_grad_weight(pc, pr, rc, rr, 0.5)
    bradley_terry_prob(pc, pr)
    plackett_luce_logprob(pl, rl, 0.5)
    assert all(torch.equal(a, b) for a, b in zip(tensors, copies))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda a: dpo_loss(a, a, a, a, 0.0), ValueError, "beta"),
        (lambda a: dpo_loss(a, a[:2], a, a, 0.1), ValueError, "policy_rejected_logps"),
        (lambda a: dpo_grad_weight(a, a, a, a.numpy(), 0.1), TypeError, "reference_rejected"),
        (lambda a: bradley_terry_prob(a, a[None]), ValueError, "reward_rejected"),
        (lambda a: plackett_luce_logprob(a, a, 0.1), ValueError, "policy_logps"),
        (lambda a: optimal_policy(-a[None], a[None], 1.0), ValueError, "ref_probs"),
        (lambda a: optimal_policy(a[None].abs(), a[None], "1"), TypeError, "beta"),
    ],
)
def test_invalid_arguments_raise(call, error, match):
    with pytest.raises(error, match=match):
        call(torch.tensor([0.5, 1.0, 2.0], dtype=DTYPE))
