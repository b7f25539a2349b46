"""Every quiz1 check both ways: the reference passes, realistic mistakes fail.

The mistakes are the misconception library (reference/misconceptions/quiz1.py).
quiz1 has no statistical check in the contract; every check is elementwise.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from reference.misconceptions import for_function
from tests.conftest import total_score


def _fn(rubrics, function):
    return next(f for f in rubrics["quiz1"].functions if f.name == function)


def _checks(rubrics, function):
    return [c.name for c in _fn(rubrics, function).checks]


def test_numpy_loop_and_naive_formulas_get_full_marks(rubrics):
    """Correct but written differently: NumPy, loops, 1 - exp(-2t), torch.distributions."""
    rubric = rubrics["quiz1"]

    def ou_sample_np(w0, t, noise):
        return np.exp(-t) * w0.numpy() + np.sqrt(1.0 - np.exp(-2.0 * t)) * noise.numpy()

    def sample_z_loop(z0, alpha, ell, noise):
        m, v = 1.0, 0.0
        for _ in range(ell):
            m, v = alpha * m, alpha**2 * v + 1 - alpha**2
        return m * z0 + math.sqrt(v) * noise

    def mean_loop(y):
        total = torch.zeros(y.shape[1], dtype=y.dtype)
        for row in y:
            total = total + row
        return total / y.shape[0]

    def cvae_distributions(z_prev, enc_mean, enc_logvar, dec_mean, dec_logvar):
        from torch.distributions import Normal, kl_divergence

        q = Normal(enc_mean, torch.exp(0.5 * enc_logvar))
        kl = kl_divergence(q, Normal(torch.zeros_like(enc_mean), torch.ones_like(enc_mean))).sum(-1)
        return kl - Normal(dec_mean, torch.exp(0.5 * dec_logvar)).log_prob(z_prev).sum(-1)

    for function, impl in [
        ("ou_sample", ou_sample_np),
        ("sample_z", sample_z_loop),
        ("optimal_denoiser_at_L", mean_loop),
        ("cvae_loss", cvae_distributions),
    ]:
        assert total_score(rubric, function, impl) == _fn(rubrics, function).points, function


def test_roster_mistakes_earn_nothing_from_their_degenerate_cases(rubrics):
    """Mistakes that coincide with the answer only where a trivial output is right too earn nothing.

    ell = 0 (z0 handed back), t = 0 (w0 handed back) and M = 1 (the one image
    handed back) are degenerate cases: they count only with an informative
    case of the same check (grader/judge/trivial.py), while the reference
    keeps full marks.
    """
    rubric = rubrics["quiz1"]

    def variant(function, name):
        return next(v for v in for_function("quiz1", function) if v.name == name).impl

    assert total_score(rubric, "sample_z", variant("sample_z", "sqrt_1_minus_alpha_l")) == 0.0
    assert total_score(rubric, "ou_sample", variant("ou_sample", "mean_exp_minus_2t")) == 0.0
    assert total_score(rubric, "optimal_denoiser_at_L", variant("optimal_denoiser_at_L", "median")) == 0.0
    for function in ("sample_z", "ou_sample", "optimal_denoiser_at_L"):
        points = next(f.points for f in rubric.functions if f.name == function)
        assert total_score(rubric, function, rubric.reference_function(function)) == points
    assert total_score(rubric, "ou_euler_step", variant("ou_euler_step", "sqrt_dt")) == 0.0
