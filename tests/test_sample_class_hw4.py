"""Grade the bundled hw4 sample class end to end through the CLI and pin every score.

Each mistaken student must lose credit exactly on the functions its mistake
affects (submissions/hw4/ROSTER.md) and nowhere else; the misconception the
report names is pinned too.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import pinned_items

pytestmark = pytest.mark.slow

HW4_POINTS = {
    "toy_marginal_var": 4,
    "toy_reverse_conditional": 10,
    "toy_ddpm_sample": 14,
    "toy_ddim_sample": 12,
    "toy_denoiser_target": 6,
    "optimal_policy": 10,
    "dpo_loss": 14,
    "dpo_grad_weight": 10,
    "bradley_terry_prob": 6,
    "plackett_luce_logprob": 14,
}

# student -> {function: (score, status)} for every function without full credit.
HW4_EXPECTED = {
    "david_blackwell": {},
    "gertrude_cox": {},  # NumPy loops, np.ndarray returns, a float var
    "jerzy_neyman": {"toy_ddim_sample": (0.0, "failed")},  # eta = 1/2 is wrong even for n_steps = 1
    # var = dt: the deterministic cases (public 1 of 2, hidden 1 of 3) and the noise=None
    # variance check (4) still pass: 1.5 + 1 + 4 = 6.5.
    "abraham_wald": {
        "toy_reverse_conditional": (0.0, "failed"),
        "toy_ddpm_sample": (6.5, "partial"),
    },
    "florence_nightingale": {"dpo_loss": (0.0, "failed")},  # losses and their gradient
    "harald_cramer": {"plackett_luce_logprob": (0.0, "failed")},  # right only for K = 1, where 0 is right too
    "william_gosset": {"optimal_policy": (0.0, "failed")},
    "ronald_fisher": {"dpo_loss": (9.0, "partial")},  # values right, gradient check (5) lost
    "karl_pearson": {"dpo_grad_weight": (0.0, "failed")},
}

# student -> {function: name of the misconception the report names}
HW4_NAMED = {
    "jerzy_neyman": {"toy_ddim_sample": "eta_half"},
    "abraham_wald": {"toy_reverse_conditional": "var_dt", "toy_ddpm_sample": "var_dt"},
    "florence_nightingale": {"dpo_loss": "sign_flipped"},
    "harald_cramer": {"plackett_luce_logprob": "all_j"},
    "william_gosset": {"optimal_policy": "dim0"},
    "ronald_fisher": {"dpo_loss": "detached_from_autograd"},
    "karl_pearson": {"dpo_grad_weight": "sign"},
}


@pytest.fixture(scope="module")
def graded(graded_sample_class):
    return graded_sample_class


@pytest.mark.parametrize("student", sorted(HW4_EXPECTED))
def test_hw4_scores_are_pinned(graded, student):
    out, _ = graded
    got = pinned_items(out, "hw4", student)
    expected = {
        f: HW4_EXPECTED[student].get(f, (float(p), "passed")) for f, p in HW4_POINTS.items()
    }
    assert got == expected
    doc = json.loads((out / "results" / "hw4" / f"{student}.json").read_text())
    assert doc["score"] == sum(s for s, _ in expected.values())
    assert doc["max_score"] == 100


@pytest.mark.parametrize("student", sorted(HW4_NAMED))
def test_hw4_misconceptions_are_named(graded, student):
    out, _ = graded
    doc = json.loads((out / "results" / "hw4" / f"{student}.json").read_text())
    named = {
        i["function"]: (i["misconception"] or {}).get("name")
        for i in doc["items"]
        if i["function"] in HW4_NAMED[student]
    }
    assert named == HW4_NAMED[student]


def test_detached_losses_are_explained(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "hw4" / "ronald_fisher.json").read_text())
    item = next(i for i in doc["items"] if i["function"] == "dpo_loss")
    grad = next(c for c in item["checks"] if c["kind"] == "dpo_loss_gradient")
    assert grad["score"] == 0 and "differentiable" in " ".join(grad["messages"])
    assert all(c["outcome"] == "passed" for c in item["checks"] if c["kind"] == "elementwise")


def test_numpy_notebook_gets_full_credit_with_notes(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "hw4" / "gertrude_cox.json").read_text())
    assert doc["score"] == 100
    assert any("numpy" in f for i in doc["items"] for f in i["feedback"])


def test_manual_items_are_listed(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "hw4" / "david_blackwell.json").read_text())
    assert [m["item"] for m in doc["manual"]][:2] == ["p1_marginals", "p1_ddpm_laws"]
    assert all(m["score"] is None for m in doc["manual"])
