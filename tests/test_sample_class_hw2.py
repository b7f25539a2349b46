"""Grade the bundled sample class end to end through the CLI and pin every score.

Each mistaken student must lose credit exactly on the functions its mistake
affects (submissions/<assignment>/ROSTER.md) and nowhere else.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from grader.cli import cli

pytestmark = pytest.mark.slow

HW2_POINTS = {"ddpm_posterior": 10, "ddpm_posterior_mean_from_score": 6, "ddim_step": 8,
              "ddim_forward_process": 10, "ddim_sample": 12, "ou_coefficients": 6, "dsm_loss": 10,
              "reverse_ode_drift": 6, "mha1": 10, "mha2": 8, "mha1_to_mha2": 8, "mha_param_counts": 6}

# student -> {function: (score, status)} for every function without full credit.
HW2_EXPECTED = {
    "ada_lovelace": {},
    "carl_gauss": {},
    "emmy_noether": {},
    "grace_hopper": {},
    "alan_turing": {"ddpm_posterior": (0.0, "failed")},
    "blaise_pascal": {"ddpm_posterior": (0.0, "failed")},  # right only at t = 1, where (x0, 0) is right too
    "david_hilbert": {"ddim_step": (0.0, "failed"), "ddim_forward_process": (0.0, "failed")},  # right only at sigma = 0
    "sophie_germain": {"mha_param_counts": (0.0, "failed")},
    "john_nash": {f: (0.0, "error") for f in HW2_POINTS},
    "kurt_goedel": {"dsm_loss": (0.0, "timeout")},
    "hedy_lamarr": {"ou_coefficients": (0.0, "failed"), "dsm_loss": (0.0, "failed")},
    "pierre_laplace": {"mha1": (0.0, "failed"), "mha2": (0.0, "failed")},  # right only for L = 1: no hidden pass
    "rene_descartes": {"ddpm_posterior_mean_from_score": (0.0, "failed")},
}


@pytest.fixture(scope="module")
def graded(graded_sample_class):
    return graded_sample_class


@pytest.mark.parametrize("student", sorted(HW2_EXPECTED))
def test_hw2_scores_are_pinned(graded, student):
    out, _ = graded
    doc = json.loads((out / "results" / "hw2" / f"{student}.json").read_text())
    got = {i["function"]: (i["score"], i["status"]) for i in doc["items"]}
    expected = {f: HW2_EXPECTED[student].get(f, (float(p), "passed")) for f, p in HW2_POINTS.items()}
    assert got == expected
    assert doc["score"] == sum(s for s, _ in expected.values())
    assert doc["max_score"] == 100


def test_documents_have_the_schema(graded):
    out, _ = graded
    doc = json.loads((out / "results" / "hw2" / "ada_lovelace.json").read_text())
    for key in ("student", "assignment", "score", "max_score", "submission_sha256", "items"):
        assert key in doc
    item = doc["items"][0]
    assert set(item) >= {"function", "score", "max_score", "status", "feedback", "misconception"}


def test_errors_point_at_the_students_line(graded):
    out, _ = graded
    nash = json.loads((out / "results" / "hw2" / "john_nash.json").read_text())
    assert "SyntaxError" in nash["errors"][0] and "line 42" in nash["errors"][0]
    kurt = json.loads((out / "results" / "hw2" / "kurt_goedel.json").read_text())
    dsm = next(i for i in kurt["items"] if i["function"] == "dsm_loss")
    assert "time limit" in " ".join(dsm["feedback"])


def test_notebook_magics_are_noted(graded):
    out, _ = graded
    grace = json.loads((out / "results" / "hw2" / "grace_hopper.json").read_text())
    assert any("magics" in n for n in grace["notes"])


def test_float32_and_numpy_students_get_full_credit_with_notes(graded):
    out, _ = graded
    emmy = json.loads((out / "results" / "hw2" / "emmy_noether.json").read_text())
    assert emmy["score"] == 100
    assert any("float32" in f for i in emmy["items"] for f in i["feedback"])


def test_reports_and_gradebook(graded):
    out, result = graded
    assert (out / "reports" / "hw2" / "index.html").is_file()
    html = (out / "reports" / "hw2" / "alan_turing.html").read_text()
    assert "ddpm_posterior" in html and "http://" not in html.replace("http://www.w3.org", "")
    book = pd.read_csv(out / "gradebook.csv")
    row = book[(book.student == "alan_turing") & (book.assignment == "hw2")].iloc[0]
    assert row["ddpm_posterior"] == 0 and row["score"] == 90 and row["max_score"] == 100
    assert "gradebook.csv" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rubrics"]["hw2"]["functions"]["ddpm_posterior"] == 10
    assert manifest["packages"]["torch"].startswith("2.")


def test_rerun_keeps_up_to_date_results_and_export_needs_no_sandbox(graded, tmp_path):
    out, _ = graded
    runner = CliRunner()
    again = runner.invoke(cli, ["run", "submissions", "--out", str(out), "--quiet"])
    assert again.exit_code == 0 and "Graded 0 submission(s)" in again.output
    csv = tmp_path / "grades.csv"
    exported = runner.invoke(cli, ["export", "--results", str(out), "--out", str(csv)])
    assert exported.exit_code == 0
    assert pd.read_csv(csv).equals(pd.read_csv(out / "gradebook.csv"))


@pytest.mark.parametrize("args, message", [
    (["run", "no/such/folder"], "not a folder"),
    (["run", "submissions", "--assignment", "hw99"], "unknown assignment"),
    (["export", "--results", "no/such", "--out", "x.csv"], "no results"),
])
def test_usage_errors_exit_2_with_one_line(args, message, tmp_path):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output


def test_help_lists_every_option():
    text = CliRunner().invoke(cli, ["run", "--help"]).output
    for option in ("--out", "--assignment", "--timeout", "--workers", "--force"):
        assert option in text


# student -> {function: misconception name} named in the result documents.
HW2_MISCONCEPTIONS = {
    "alan_turing": {"ddpm_posterior": "beta_not_tilde"},
    "blaise_pascal": {"ddpm_posterior": "abar_off_by_one_in_mean"},
    "david_hilbert": {"ddim_step": "sigma_forgotten", "ddim_forward_process": "sigma_forgotten"},
    "hedy_lamarr": {"ou_coefficients": "gamma_exp_t", "dsm_loss": "gamma_exp_t"},
    "pierre_laplace": {"mha1": "softmax_dim0", "mha2": "softmax_dim0"},
    "rene_descartes": {"ddpm_posterior_mean_from_score": "sign"},
    "sophie_germain": {"mha_param_counts": "no_w_o"},
}


@pytest.mark.parametrize("student", sorted(HW2_EXPECTED))
def test_hw2_misconceptions_are_named(graded, student):
    out, _ = graded
    doc = json.loads((out / "results" / "hw2" / f"{student}.json").read_text())
    named = {i["function"]: i["misconception"]["name"] for i in doc["items"] if i["misconception"]}
    assert named == HW2_MISCONCEPTIONS.get(student, {})
    if named:
        html = (out / "reports" / "hw2" / f"{student}.html").read_text()
        first = next(i for i in doc["items"] if i["misconception"])
        assert first["misconception"]["title"].split()[0] in html
