"""Every hw4 check both ways: the reference passes, realistic mistakes fail.

The mistakes are the misconception library (reference/misconceptions/hw4.py).
A check that no misconception fails would be a check that cannot fail. The
statistical checks are also run for 20 students (different hidden inputs)
and against the two closed forms of problem 1(d)-(e), whose pairing with the
samplers the contract reverses.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.judge.kinds.toy import toy_ddim_output_factor, toy_ddpm_output_var
from grader.judge.stats import FALSE_FAILURE, gaussian_test
from reference import hw4
from reference.misconceptions import for_function
from tests.conftest import run_check, total_score

STATISTICAL = [
    ("toy_ddpm_sample", "output variance with noise: sigma2 - sigma2^3/(sigma2+1)^2"),
    ("toy_ddpm_sample", "output variance with noise=None: (sigma2/(sigma2+1))^2"),
    ("toy_ddim_sample", "exact output variance of the discrete recursion"),
    ("dpo_loss", "autograd gradient of mean(losses): -beta sigmoid(-delta)/N"),
]
STUDENTS = [f"student_{i:02d}" for i in range(20)]


def _fn(rubrics, function):
    return next(f for f in rubrics["hw4"].functions if f.name == function)


def _checks(rubrics, function):
    return [c.name for c in _fn(rubrics, function).checks]


# -- both ways ---------------------------------------------------------------------------------


@pytest.mark.parametrize("function, check", STATISTICAL)
def test_statistical_checks_pass_the_reference_for_20_students(rubrics, function, check):
    rubric = rubrics["hw4"]
    ref = rubric.reference_function(function)
    for student in STUDENTS:
        result = run_check(rubric, function, check, ref, student)
        assert result.outcome == "passed", (student, result.messages)


# -- the closed forms of problem 1(d)-(e) -----------------------------------------------------
@pytest.mark.parametrize("sigma2, n_steps", [(0.05, 3), (0.25, 10), (1.0, 1), (3.0, 25)])
def test_closed_forms_pair_deterministic_with_square_and_stochastic_with_the_rest(sigma2, n_steps):
    """Monte Carlo with the reference: the contract's pairing is reversed, ours is right."""
    g = torch.Generator().manual_seed(int(1000 * sigma2) + n_steps)
    N = 20000
    x1 = torch.randn(N, generator=g, dtype=torch.float64)
    noise = torch.randn(n_steps, N, generator=g, dtype=torch.float64)
    det = hw4.toy_ddpm_sample(x1, sigma2, n_steps, None).numpy()
    sto = hw4.toy_ddpm_sample(x1, sigma2, n_steps, noise).numpy()
    square = (sigma2 / (sigma2 + 1)) ** 2
    rest = sigma2 - sigma2**3 / (sigma2 + 1) ** 2
    assert toy_ddpm_output_var(sigma2, stochastic=False) == square
    assert toy_ddpm_output_var(sigma2, stochastic=True) == rest
    # Deterministic: exactly sigma2/(sigma2+1) x1, hence the square (up to rounding).
    np.testing.assert_allclose(det, sigma2 / (sigma2 + 1) * x1.numpy(), rtol=1e-12)
    # Stochastic: N(0, rest) passes at 1e-6; the contract's literal pairing N(0, square) fails.
    assert gaussian_test(sto / math.sqrt(rest), FALSE_FAILURE)[0]
    assert not gaussian_test(sto / math.sqrt(square), FALSE_FAILURE)[0]
    assert not gaussian_test(det / math.sqrt(rest), FALSE_FAILURE)[0]


def test_ddim_factor_matches_the_reference_sampler():
    for sigma2, n in [(0.01, 10), (0.25, 1), (2.0, 37)]:
        x1 = torch.linspace(-2, 2, 9, dtype=torch.float64)
        out = hw4.toy_ddim_sample(x1, sigma2, n)
        np.testing.assert_allclose(
            out.numpy(), toy_ddim_output_factor(sigma2, n) * x1.numpy(), rtol=1e-13
        )


def test_eta_half_is_not_always_closer_to_the_dt_to_0_limit():
    """The contract: eta = 1/2 lands closer to sigma2/(sigma2+1). Not for small sigma2 and n."""

    def half(s, n):
        c = 1.0
        for k in range(n):
            t = (n - k) / n
            c *= 1 - 0.5 / n / (s + t)
        return c * c

    for s, n, half_closer in [
        (0.25, 10, True),
        (1.0, 50, True),
        (0.01, 10, False),
        (0.1, 2, False),
    ]:
        limit = s / (s + 1)
        exact = toy_ddim_output_factor(s, n) ** 2
        assert (abs(half(s, n) - limit) < abs(exact - limit)) is half_closer, (s, n)


# -- specific mistakes and fair variants ------------------------------------------------------
def _variant(function, name):
    return next(v for v in for_function("hw4", function) if v.name == name).impl


def test_eta_half_fails_every_ddim_check_including_one_step(rubrics):
    rubric = rubrics["hw4"]
    impl = _variant("toy_ddim_sample", "eta_half")
    for check in _checks(rubrics, "toy_ddim_sample"):
        result = run_check(rubric, "toy_ddim_sample", check, impl)
        assert result.score == 0, (check, result.messages)


def test_var_dt_fails_the_stochastic_variance_for_20_students_but_not_the_deterministic(rubrics):
    rubric = rubrics["hw4"]
    impl = _variant("toy_ddpm_sample", "var_dt")
    sto, det = (c for _, c in STATISTICAL[:2])
    for student in STUDENTS:
        assert run_check(rubric, "toy_ddpm_sample", sto, impl, student).outcome == "failed", student
    assert run_check(rubric, "toy_ddpm_sample", det, impl).outcome == "passed"


def _detached_dpo_loss(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps,
                       reference_rejected_logps, beta):
    """Right values computed in NumPy: no autograd graph (named from the gradient probe, not catalogued)."""
    pc, pr, rc, rr = (a.detach().numpy() for a in (policy_chosen_logps, policy_rejected_logps,
                                                  reference_chosen_logps, reference_rejected_logps))
    cr, rj = beta * (pc - rc), beta * (pr - rr)
    return tuple(torch.from_numpy(v) for v in (np.logaddexp(0.0, -(cr - rj)), cr, rj))


def test_detached_losses_lose_exactly_the_gradient_check(rubrics):
    rubric = rubrics["hw4"]
    impl = _detached_dpo_loss
    grad_check = STATISTICAL[3][1]
    for check in _checks(rubrics, "dpo_loss"):
        result = run_check(rubric, "dpo_loss", check, impl)
        if check == grad_check:
            assert result.score == 0 and "differentiable" in " ".join(result.messages)
        else:
            assert result.outcome == "passed", (check, result.messages)
    assert total_score(rubric, "dpo_loss", impl) == _fn(rubrics, "dpo_loss").points - 5


def test_sign_flipped_dpo_fails_the_gradient(rubrics):
    result = run_check(
        rubrics["hw4"], "dpo_loss", STATISTICAL[3][1], _variant("dpo_loss", "sign_flipped")
    )
    assert result.score == 0 and "-beta sigmoid(-delta)/N" in " ".join(result.messages)


def test_float32_and_softplus_dpo_losses_get_full_gradient_credit(rubrics):
    def float32_losses(pc, pr, rc, rr, beta):
        delta = beta * ((pc.float() - rc.float()) - (pr.float() - rr.float()))
        return F.softplus(-delta), beta * (pc - rc).detach(), beta * (pr - rr).detach()

    result = run_check(rubrics["hw4"], "dpo_loss", STATISTICAL[3][1], float32_losses)
    assert result.outcome == "passed", result.messages


def test_numpy_and_float32_samplers_pass_the_variance_checks(rubrics):
    rubric = rubrics["hw4"]

    def ddpm_numpy(x1, sigma2, n_steps, noise=None):
        x = x1.numpy().copy()
        for k in range(n_steps):
            t, dt = (n_steps - k) / n_steps, 1.0 / n_steps
            x = (sigma2 + t - dt) / (sigma2 + t) * x
            if noise is not None:
                x = x + np.sqrt((sigma2 + t - dt) * dt / (sigma2 + t)) * noise[k].numpy()
        return x

    def ddim_float32(x1, sigma2, n_steps):
        x = x1.float()
        for k in range(n_steps):
            t, dt = (n_steps - k) / n_steps, 1.0 / n_steps
            x = x - math.sqrt(t) / (math.sqrt(t - dt) + math.sqrt(t)) * dt / (sigma2 + t) * x
        return x

    for _, check in STATISTICAL[:2]:
        assert run_check(rubric, "toy_ddpm_sample", check, ddpm_numpy).outcome == "passed"
    assert (
        total_score(rubric, "toy_ddpm_sample", ddpm_numpy) == _fn(rubrics, "toy_ddpm_sample").points
    )
    assert run_check(rubric, "toy_ddim_sample", STATISTICAL[2][1], ddim_float32).outcome == "passed"


def test_hidden_inputs_differ_per_student_and_are_reproducible(rubrics):
    from grader.judge.checks import CheckContext
    from grader.judge.kinds import CHECK_KINDS

    rubric = rubrics["hw4"]
    fn = _fn(rubrics, "dpo_loss")
    hidden = next(c for c in fn.checks if c.visibility == "hidden")

    def first_input(student):
        ctx = CheckContext("hw4", student, fn, hidden, rubric.reference_function(fn.name), str)
        return CHECK_KINDS[hidden.kind].plan(ctx)[0].args["policy_chosen_logps"]

    assert not first_input("alice").equal(first_input("bob"))
    assert first_input("alice").equal(first_input("alice"))
