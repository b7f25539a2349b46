"""Grade the bundled hw1 sample class end to end through the CLI and pin every score.

Each mistaken student must lose credit exactly on the functions its mistake
affects (submissions/hw1/ROSTER.md) and nowhere else; the misconception the
report names is pinned too. Partial credit comes from the cases where a
mistake is invisible, as the roster says (sigma0 == sigma1 for the swapped
KL, the one-edge graph for the forward-order backprop, K = 1 from
sigma_0 = 0 for the VE increments, lam = 0 for the (1 - lam) drift, lam = 1
for the sampler without the square root).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import pinned_items

pytestmark = pytest.mark.slow

HW1_POINTS = {"tweedie_posterior_mean": 10, "gaussian_kl": 8, "ffjord_log_density": 12,
              "ffjord_adjoint_grad": 14, "backprop_v1": 8, "backprop_v2": 8, "fokker_planck_rhs": 12,
              "ve_sde_sample": 10, "reverse_sde_drift": 6, "reverse_sde_sample": 12}

# student -> {function: (score, status)} for every function without full credit.
HW1_EXPECTED = {
    "marie_curie": {},  # vectorised torch, adjoint
    "emil_artin": {},  # notebook, loops, NumPy returns, product-rule Fokker-Planck scheme, autograd
    "henri_poincare": {"gaussian_kl": (0.0, "failed")},  # right only where sigma0 == sigma1: no hidden pass
    "srinivasa_ramanujan": {"tweedie_posterior_mean": (0.0, "failed")},  # no case has Sigma^2 = I
    "felix_klein": {"ffjord_log_density": (0.0, "failed")},  # its separate adjoint is right
    "bernhard_riemann": {"backprop_v2": (0.0, "failed")},  # right only on the one-edge graph (degenerate)
    "joseph_fourier": {"fokker_planck_rhs": (0.0, "failed")},  # O(1) error, order ~0
    "niels_abel": {"ve_sde_sample": (0.0, "failed")},  # right only for K = 1 from sigma_0 = 0: no hidden pass
    "evariste_galois": {"reverse_sde_drift": (0.0, "failed")},  # right only at lam = 0: no hidden pass
    # lam = 1 (no noise): the hidden lam = 1 case (1.5) and the lam = 1 statistical case (2)
    "leonhard_euler": {"reverse_sde_sample": (3.5, "partial")},
}

# student -> {function: name of the misconception the report names}
HW1_NAMED = {
    "henri_poincare": {"gaussian_kl": "swapped"},
    "srinivasa_ramanujan": {"tweedie_posterior_mean": "inverse_sigma"},
    "felix_klein": {"ffjord_log_density": "trace_sign"},
    "bernhard_riemann": {"backprop_v2": "forward_order"},
    "joseph_fourier": {"fokker_planck_rhs": "rho_squared"},  # matched on the convergence checks' grids
    "niels_abel": {"ve_sde_sample": "sqrt_difference"},
    "evariste_galois": {"reverse_sde_drift": "one_minus_lam"},
    "leonhard_euler": {"reverse_sde_sample": "noise_no_sqrt"},
}


@pytest.fixture(scope="module")
def graded(graded_sample_class):
    return graded_sample_class


def _doc(out, student):
    return json.loads((out / "results" / "hw1" / f"{student}.json").read_text())


@pytest.mark.parametrize("student", sorted(HW1_EXPECTED))
def test_hw1_scores_are_pinned(graded, student):
    out, _ = graded
    got = pinned_items(out, "hw1", student)
    expected = {f: HW1_EXPECTED[student].get(f, (float(p), "passed")) for f, p in HW1_POINTS.items()}
    assert got == expected
    doc = _doc(out, student)
    assert doc["score"] == sum(s for s, _ in expected.values())
    assert doc["max_score"] == 100
    assert not doc["errors"]


@pytest.mark.parametrize("student", sorted(HW1_NAMED))
def test_hw1_misconceptions_are_named(graded, student):
    out, _ = graded
    named = {i["function"]: (i["misconception"] or {}).get("name") for i in _doc(out, student)["items"]
             if i["status"] != "passed"}
    assert named == HW1_NAMED[student]


def test_fokker_planck_feedback_reports_errors_and_orders(graded):
    out, _ = graded
    item = next(i for i in _doc(out, "joseph_fourier")["items"] if i["function"] == "fokker_planck_rhs")
    text = " ".join(item["feedback"])
    assert "observed orders" in text and "at least 1.8" in text and "M = 401" in text


def test_numpy_returns_and_another_scheme_get_full_credit_with_a_note(graded):
    out, _ = graded
    doc = _doc(out, "emil_artin")
    assert doc["score"] == 100
    notes = " ".join(n for i in doc["items"] for n in i["feedback"])
    assert "numpy" in notes
    assert not doc["stdout"]  # the `if __name__ == "__main__"` cell does not run


def test_top_level_prints_are_captured(graded):
    out, _ = graded
    assert _doc(out, "leonhard_euler")["stdout"].strip()
