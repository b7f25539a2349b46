"""Grade the bundled hw3 sample class end to end through the CLI and pin every score.

Each mistaken student must lose credit exactly on the functions its mistake
affects (submissions/hw3/ROSTER.md) and nowhere else; the misconception the
report names is pinned too.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import pinned_items

pytestmark = pytest.mark.slow

HW3_POINTS = {"ddpm_q_sample": 14, "posterior_mean_from_eps": 14, "ddpm_eps_loss_weight": 14,
              "ddpm_prior_kl": 14, "implicit_score_matching_loss": 24,
              "denoising_score_matching_loss": 20}

# student -> {function: (score, status)} for every function without full credit.
HW3_EXPECTED = {
    "lise_meitner": {},
    "paul_dirac": {},  # NumPy loops, np.ndarray returns, Python-float losses, per-sample Jacobians
    "max_planck": {"ddpm_q_sample": (0.0, "failed")},  # abar_{t-1}: wrong at every t, t = 1 included
    # sqrt(abar_t) for sqrt(alpha_t) is right at t = 1: the public t = 1 case (2.5 of 5) passes
    "wolfgang_pauli": {"posterior_mean_from_eps": (0.0, "failed")},  # right only at t = 1: no hidden pass
    "erwin_schroedinger": {"ddpm_eps_loss_weight": (0.0, "failed")},  # factor 2 at every t
    "werner_heisenberg": {"ddpm_prior_kl": (0.0, "failed")},
    "enrico_fermi": {"implicit_score_matching_loss": (0.0, "failed")},  # incl. ISM = ESM - d/2
    "richard_feynman": {"denoising_score_matching_loss": (0.0, "failed")},
}

# student -> {function: name of the misconception the report names}
HW3_NAMED = {
    "max_planck": {"ddpm_q_sample": "abar_prev"},
    "wolfgang_pauli": {"posterior_mean_from_eps": "abar_not_alpha"},
    "erwin_schroedinger": {"ddpm_eps_loss_weight": "missing_two"},
    "werner_heisenberg": {"ddpm_prior_kl": "swapped"},
    "richard_feynman": {"denoising_score_matching_loss": "sign"},
}


@pytest.fixture(scope="module")
def graded(graded_sample_class):
    return graded_sample_class


@pytest.mark.parametrize("student", sorted(HW3_EXPECTED))
def test_hw3_scores_are_pinned(graded, student):
    out, _ = graded
    got = pinned_items(out, "hw3", student)
    expected = {f: HW3_EXPECTED[student].get(f, (float(p), "passed")) for f, p in HW3_POINTS.items()}
    assert got == expected
    doc = json.loads((out / "results" / "hw3" / f"{student}.json").read_text())
    assert doc["score"] == sum(s for s, _ in expected.values())
    assert doc["max_score"] == 100
    assert not doc["errors"]


@pytest.mark.parametrize("student", sorted(HW3_NAMED))
def test_hw3_misconceptions_are_named(graded, student):
    out, _ = graded
    doc = json.loads((out / "results" / "hw3" / f"{student}.json").read_text())
    named = {i["function"]: (i["misconception"] or {}).get("name") for i in doc["items"]
             if i["status"] != "passed"}
    assert named == HW3_NAMED[student]


def test_ism_misconception_is_named(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "hw3" / "enrico_fermi.json").read_text())
    ism = next(i for i in doc["items"] if i["function"] == "implicit_score_matching_loss")
    assert ism["misconception"]["name"] == "no_half"


def test_statistical_check_explains_the_missing_half(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "hw3" / "enrico_fermi.json").read_text())
    ism = next(i for i in doc["items"] if i["function"] == "implicit_score_matching_loss")
    check = next(c for c in ism["checks"] if c["kind"] == "ism_equals_esm")
    assert check["outcome"] == "failed" and check["score"] == 0
    assert "minus d/2" in " ".join(check["messages"])


def test_notebook_shell_lines_are_neutralised(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "hw3" / "enrico_fermi.json").read_text())
    assert any("pip" in n or "magic" in n or "shell" in n for n in doc["notes"]), doc["notes"]


def test_python_float_losses_get_full_credit(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "hw3" / "paul_dirac.json").read_text())
    assert doc["score"] == 100
    assert not doc["stdout"]  # the `if __name__ == "__main__"` cell does not run
