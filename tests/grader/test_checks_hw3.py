"""Every hw3 check both ways: the reference passes, realistic mistakes fail.

The mistakes are the misconception library (reference/misconceptions/hw3.py).
A check that no misconception fails would be a check that cannot fail. The
statistical check (ISM = ESM - d/2 for N(0, I) data) is also run for 20
students (different hidden inputs). Correct implementations written
differently (float32, NumPy loops, Python-float losses, a per-sample
Jacobian) must get full marks.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
import torch

from grader.cases import generate
from grader.judge.kinds.score_matching import ism_esm_terms
from grader.judge.stats import edgeworth_quantile
from grader.sandbox.fixtures import build
from grader.sandbox.protocol import Fixture
from reference import hw3
from reference.misconceptions import for_function
from tests.conftest import run_check, total_score

FUNCTIONS = hw3.__all__  # = the rubric's functions (tests/reference/test_contract_names.py)
# the functions taking per-sample times t with a schedule betas (not ddpm_prior_kl: no t; not the losses)
TIMED_FUNCTIONS = [f for f in FUNCTIONS if {"t", "betas"} <= set(inspect.signature(getattr(hw3, f)).parameters)]
STATISTICAL = ("implicit_score_matching_loss", "problem 3: ISM = ESM - d/2 for N(0, I) data")
STUDENTS = [f"student_{i:02d}" for i in range(20)]


def _fn(rubrics, function):
    return next(f for f in rubrics["hw3"].functions if f.name == function)


def _checks(rubrics, function):
    return [c.name for c in _fn(rubrics, function).checks]


# -- both ways ---------------------------------------------------------------------------------


def test_the_sample_class_mistakes_are_catalogued():
    """The roster's mistakes are in the library, so reports can name them."""
    names = {f: {v.name for v in for_function("hw3", f)} for f in FUNCTIONS}
    assert "abar_prev" in names["ddpm_q_sample"]
    assert "abar_not_alpha" in names["posterior_mean_from_eps"]
    assert "missing_two" in names["ddpm_eps_loss_weight"]
    assert "swapped" in names["ddpm_prior_kl"]
    assert "no_half" in names["implicit_score_matching_loss"]
    assert "sign" in names["denoising_score_matching_loss"]


def test_the_roster_partial_credit_follows_from_t_equal_1(rubrics):
    """sqrt(abar_t) for sqrt(alpha_t) is right at t = 1 only: 2.5 of the public 5 points."""
    rubric = rubrics["hw3"]
    (variant,) = [v for v in for_function("hw3", "posterior_mean_from_eps") if v.name == "abar_not_alpha"]
    scores = [run_check(rubric, "posterior_mean_from_eps", c, variant.impl).score
              for c in _checks(rubrics, "posterior_mean_from_eps")]
    assert scores == [2.5, 0.0]


# -- the statistical check -------------------------------------------------------------------
@pytest.mark.parametrize("student", STUDENTS)
def test_statistical_check_passes_the_reference_for_every_student(rubrics, student):
    rubric = rubrics["hw3"]
    function, check = STATISTICAL
    result = run_check(rubric, function, check, rubric.reference_function(function), student)
    assert result.outcome == "passed", result.messages


def test_statistical_check_fails_the_missing_half_with_a_clear_message(rubrics):
    rubric = rubrics["hw3"]
    function, check = STATISTICAL
    (variant,) = [v for v in for_function("hw3", function) if v.name == "no_half"]
    result = run_check(rubric, function, check, variant.impl)
    assert result.outcome == "failed" and result.score == 0
    text = " ".join(result.messages)
    assert "minus d/2" in text and "accepted within" in text and "standard errors" in text


def test_ism_esm_terms_follow_steins_identity():
    """For s = A x + b on N(0, I) data, mean D -> 0 and ESM -> |A + I|_F^2/2 + |b|^2/2."""
    g = torch.Generator().manual_seed(3)
    A = -torch.eye(3, dtype=torch.float64) + 0.4 * torch.randn(3, 3, generator=g, dtype=torch.float64)
    b = 0.3 * torch.randn(3, generator=g, dtype=torch.float64)
    model = build(Fixture("linear_score_model", {"A": A.tolist(), "b": b.tolist()}))
    x = torch.randn(200_000, 3, generator=g, dtype=torch.float64).numpy()
    esm, diff = ism_esm_terms(model, x)
    exact_esm = 0.5 * float(((A + torch.eye(3, dtype=torch.float64)) ** 2).sum() + (b**2).sum())
    assert abs(diff.mean()) < 5 * diff.std() / math.sqrt(x.shape[0])
    assert abs(esm.mean() - exact_esm) < 5 * esm.std() / math.sqrt(x.shape[0])
    # the per-sample ISM term is the reference's
    ism = hw3.implicit_score_matching_loss(model, torch.from_numpy(x[:50]))
    assert float(ism.detach()) == pytest.approx(float(np.mean(esm[:50] + diff[:50])) - 1.5, rel=1e-12)


def test_edgeworth_quantile():
    from scipy import stats

    assert edgeworth_quantile(1e-6, 0.0, 2000) == pytest.approx(stats.norm.isf(5e-7))
    q = edgeworth_quantile(1e-6, 2.0, 2000)
    assert q > stats.norm.isf(5e-7)
    c = 2.0 / (6 * math.sqrt(2000))
    assert 2 * (stats.norm.sf(q) + stats.norm.pdf(q) * c * (2 * q * q + 1)) == pytest.approx(1e-6)


# -- fairness: correct implementations written differently -----------------------------------
def _f32(x):
    return x.to(torch.float32) if isinstance(x, torch.Tensor) and x.is_floating_point() else x


def q_sample_f32(x0, t, betas, noise):
    x0, betas, noise = map(_f32, (x0, betas, noise))
    abar = torch.cumprod(1 - betas, 0)[t - 1][:, None]
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


def posterior_mean_f32(x_t, eps, t, betas):
    x_t, eps, betas = map(_f32, (x_t, eps, betas))
    beta = betas[t - 1][:, None]
    abar = torch.cumprod(1 - betas, 0)[t - 1][:, None]
    return (x_t - beta / (1 - abar).sqrt() * eps) / (1 - beta).sqrt()


def weight_f32(t, betas, sigma2):
    betas, sigma2 = _f32(betas), _f32(sigma2)
    beta = betas[t - 1]
    abar = torch.cumprod(1 - betas, 0)[t - 1]
    return beta**2 / (2 * sigma2[t - 1] * (1 - beta) * (1 - abar))


def prior_kl_f32(x0, betas):
    x0, betas = _f32(x0), _f32(betas)
    abar = torch.prod(1 - betas)
    v, d = 1 - abar, x0.shape[1]
    return 0.5 * (d * v + abar * (x0**2).sum(1) - d - d * torch.log(v))


def q_sample_loops(x0, t, betas, noise):
    b = betas.numpy()
    out = np.empty(tuple(x0.shape))
    for n in range(x0.shape[0]):
        abar = np.prod(1 - b[: int(t[n])])
        out[n] = math.sqrt(abar) * x0[n].numpy() + math.sqrt(1 - abar) * noise[n].numpy()
    return out


def weight_loops(t, betas, sigma2):
    out = []
    for tt in t.tolist():
        beta = float(betas[tt - 1])
        abar = float(np.prod(1 - betas.numpy()[:tt]))
        out.append(beta**2 / (2 * float(sigma2[tt - 1]) * (1 - beta) * (1 - abar)))
    return out


def ism_per_sample_jacobian(score_model, x):
    """Per-sample full Jacobian, returned as a Python float (not differentiable: allowed)."""
    from torch.autograd.functional import jacobian

    total = 0.0
    for n in range(x.shape[0]):
        xn = x[n].detach().clone()
        J = jacobian(lambda v: score_model(v.unsqueeze(0)).squeeze(0), xn)
        s = score_model(xn.unsqueeze(0)).squeeze(0).detach()
        total += torch.trace(J).item() + 0.5 * torch.dot(s, s).item()
    return total / x.shape[0]


def ism_vmap(score_model, x):
    from torch.func import jacrev, vmap

    jac = vmap(jacrev(lambda v: score_model(v)))(x)
    s = score_model(x)
    return (torch.diagonal(jac, dim1=1, dim2=2).sum(1) + 0.5 * (s**2).sum(1)).mean()


def dsm_numpy(score_model, x, sigma, noise):
    with torch.no_grad():
        s = score_model(x + sigma * noise).numpy()
    return float(np.mean(0.5 * np.sum((s + noise.numpy() / sigma) ** 2, axis=1)))


VARIANTS = [("ddpm_q_sample", q_sample_f32), ("ddpm_q_sample", q_sample_loops),
            ("posterior_mean_from_eps", posterior_mean_f32), ("ddpm_eps_loss_weight", weight_f32),
            ("ddpm_eps_loss_weight", weight_loops), ("ddpm_prior_kl", prior_kl_f32),
            ("implicit_score_matching_loss", ism_per_sample_jacobian),
            ("implicit_score_matching_loss", ism_vmap),
            ("denoising_score_matching_loss", dsm_numpy)]


@pytest.mark.parametrize(("function", "impl"), VARIANTS, ids=[f"{f}-{i.__name__}" for f, i in VARIANTS])
def test_correct_variants_get_full_marks(rubrics, function, impl):
    rubric = rubrics["hw3"]
    students = ("alice",) if function == "implicit_score_matching_loss" else ("alice", "bob")
    for student in students:
        assert total_score(rubric, function, impl, student) == _fn(rubrics, function).points


# -- inputs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("function", TIMED_FUNCTIONS)
def test_times_are_int64_and_include_both_ends(rubrics, function):
    from grader.judge.checks import CheckContext
    from grader.judge.kinds import CHECK_KINDS

    rubric = rubrics["hw3"]
    fn = _fn(rubrics, function)
    seen: set[int] = set()
    for check in fn.checks:
        ctx = CheckContext("hw3", "alice", fn, check, rubric.reference_function(function), str)
        for planned, config in zip(CHECK_KINDS[check.kind].plan(ctx), check.configs):
            t, T = planned.args["t"], planned.args["betas"].shape[0]
            assert t.dtype == torch.int64 and t.shape == (config["N"],)
            assert int(t.min()) >= 1 and int(t.max()) <= T
            seen.update({"1" if int(t.min()) == 1 else "", "T" if int(t.max()) == T else ""})
    assert {"1", "T"} <= seen


def test_reverse_variances_are_positive_and_realistic():
    g = torch.Generator().manual_seed(0)
    for mode in ("beta", "beta_tilde", "random"):
        args = generate("ddpm_eps_loss_weight", g, {"N": 4, "T": 50, "sigma2": mode})
        betas, sigma2 = args["betas"], args["sigma2"]
        assert sigma2.shape == betas.shape and bool((sigma2 > 0).all())
        assert bool((sigma2 <= betas * (1 + 1e-12)).all())  # beta_tilde_t <= sigma_t^2 <= beta_t


def test_hidden_inputs_differ_per_student_and_are_reproducible(rubrics):
    from grader.judge.checks import CheckContext
    from grader.judge.kinds import CHECK_KINDS

    rubric = rubrics["hw3"]
    fn = _fn(rubrics, "implicit_score_matching_loss")
    hidden = next(c for c in fn.checks if c.visibility == "hidden")

    def first_input(student):
        ctx = CheckContext("hw3", student, fn, hidden, rubric.reference_function(fn.name), str)
        return CHECK_KINDS[hidden.kind].plan(ctx)[0].args

    a, b = first_input("alice"), first_input("bob")
    assert not a["x"].equal(b["x"]) and a["score_model"].params != b["score_model"].params
    assert first_input("alice")["x"].equal(a["x"])


def test_score_model_fixtures_act_row_wise_with_full_jacobians():
    g = torch.Generator().manual_seed(1)
    for model in ("mlp", "mlp_big", "linear"):
        args = generate("implicit_score_matching_loss", g, {"N": 3, "d": 4, "model": model})
        s = build(args["score_model"])
        x = args["x"]
        rows = torch.stack([s(x[n]) for n in range(3)])
        assert torch.allclose(s(x), rows, rtol=0, atol=1e-14)
        J = torch.autograd.functional.jacobian(s, x[0])
        assert float((J - torch.diag(torch.diagonal(J))).abs().max()) > 1e-3
        assert all(p.dtype == torch.float64 for p in s.parameters())
