"""Grade the bundled quiz1 sample class end to end through the CLI and pin every score.

Each mistaken student must lose credit exactly on the functions its mistake
affects (submissions/quiz1/ROSTER.md) and nowhere else; the misconception the
report names is pinned too.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import pinned_items

pytestmark = pytest.mark.slow

QUIZ1_POINTS = {
    "sample_z": 16,
    "sample_z_forward": 14,
    "ou_sample": 16,
    "ou_euler_step": 14,
    "optimal_denoiser_at_L": 14,
    "cvae_loss": 26,
}

# student -> {function: (score, status)} for every function without full credit.
QUIZ1_EXPECTED = {
    "katherine_johnson": {},
    "dorothy_vaughan": {},  # NumPy loops, np.ndarray returns, assert and print cells
    "mary_jackson": {"sample_z": (0.0, "failed")},  # right only at ell = 0, where z0 handed back is right too
    "john_von_neumann": {"ou_sample": (0.0, "failed")},  # right only at t = 0, where w0 handed back is right too
    "norbert_wiener": {"ou_euler_step": (0.0, "failed")},
    "andrey_kolmogorov": {"optimal_denoiser_at_L": (0.0, "failed")},  # right only for M = 1 (the image handed back)
    "claude_shannon": {"cvae_loss": (0.0, "failed")},
    "kiyosi_ito": {"cvae_loss": (0.0, "failed")},
}

QUIZ1_NAMED = {
    "mary_jackson": {"sample_z": "sqrt_1_minus_alpha_l"},
    "john_von_neumann": {"ou_sample": "mean_exp_minus_2t"},
    "norbert_wiener": {"ou_euler_step": "sqrt_dt"},
    "andrey_kolmogorov": {"optimal_denoiser_at_L": "median"},
    "claude_shannon": {"cvae_loss": "no_log_2pi"},
    "kiyosi_ito": {"cvae_loss": "kl_sign"},
}


@pytest.fixture(scope="module")
def graded(graded_sample_class):
    return graded_sample_class


@pytest.mark.parametrize("student", sorted(QUIZ1_EXPECTED))
def test_quiz1_scores_are_pinned(graded, student):
    out, _ = graded
    got = pinned_items(out, "quiz1", student)
    expected = {
        f: QUIZ1_EXPECTED[student].get(f, (float(p), "passed")) for f, p in QUIZ1_POINTS.items()
    }
    assert got == expected
    doc = json.loads((out / "results" / "quiz1" / f"{student}.json").read_text())
    assert doc["score"] == sum(s for s, _ in expected.values())
    assert doc["max_score"] == 100


@pytest.mark.parametrize("student", sorted(QUIZ1_NAMED))
def test_quiz1_misconceptions_are_named(graded, student):
    out, _ = graded
    doc = json.loads((out / "results" / "quiz1" / f"{student}.json").read_text())
    named = {
        i["function"]: (i["misconception"] or {}).get("name")
        for i in doc["items"]
        if i["function"] in QUIZ1_NAMED[student]
    }
    assert named == QUIZ1_NAMED[student]


def test_numpy_notebook_gets_full_credit(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "quiz1" / "dorothy_vaughan.json").read_text())
    assert doc["score"] == 100 and doc["submission_kind"] == "notebook"
