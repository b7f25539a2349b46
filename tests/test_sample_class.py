"""Grade the bundled sample class end to end through the CLI and pin every score.

Each mistaken student must lose credit exactly on the functions its mistake
affects (``submissions/<assignment>/ROSTER.md``) and nowhere else, and the
report must name the misconception. The expectations are data, next to the
submissions: ``submissions/<assignment>/expected.yaml`` maps each student of
the folder to the functions where it does not get full credit::

    alan_turing:  # why (from the roster)
      ddpm_posterior: {score: 0.0, status: failed, misconception: beta_not_tilde}

A function a student's entry does not list must get its points from the
rubric (``rubrics/<assignment>.yaml``), status ``passed`` and no misconception
(``{}`` is full marks). ``misconception`` is omitted when the report names
none. Two more keys: ``"*"`` stands for every function not listed, and
``errors`` lists the texts the document's first error must contain (without
it the document must have no errors). Adding a function to a rubric therefore
needs no edit here.

The tests after the pinned ones check what individual sample students are
there for (notes, feedback, reports, the gradebook, the CLI).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from grader.cli import cli
from grader.rubric import Rubric
from tests.conftest import pinned_items

pytestmark = pytest.mark.slow

SUBMISSIONS = Path(__file__).resolve().parents[1] / "submissions"
EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    path.parent.name: yaml.safe_load(path.read_text(encoding="utf-8"))
    for path in sorted(SUBMISSIONS.glob("*/expected.yaml"))
}
STUDENTS = [(a, s) for a in sorted(EXPECTED) for s in sorted(EXPECTED[a])]
STUDENT_IDS = [f"{a}-{s}" for a, s in STUDENTS]
RESERVED = {"*", "errors"}  # keys of a student's entry that are not function names
EXPECTED_KEYS = {"score", "status", "misconception"}


class Expected(NamedTuple):
    score: float
    status: str
    misconception: str | None


def _expected(rubric: Rubric, student: str) -> dict[str, Expected]:
    """{function: Expected} for every function of the rubric, from the student's entry."""
    entry = EXPECTED[rubric.assignment][student] or {}
    unknown = set(entry) - set(rubric.function_names) - RESERVED
    assert not unknown, f"expected.yaml of {rubric.assignment}: {student} lists unknown functions {unknown}"
    expected = {}
    for fn in rubric.functions:
        spec = entry.get(fn.name, entry.get("*"))
        if spec is None:
            expected[fn.name] = Expected(float(fn.points), "passed", None)
            continue
        assert set(spec) <= EXPECTED_KEYS and {"score", "status"} <= set(spec), (student, fn.name, spec)
        assert spec["score"] < fn.points, f"{student}: {fn.name} has full credit: do not list it"
        expected[fn.name] = Expected(float(spec["score"]), spec["status"], spec.get("misconception"))
    return expected


def _doc(out: Path, assignment: str, student: str) -> dict[str, Any]:
    return json.loads((out / "results" / assignment / f"{student}.json").read_text())


def _item(doc: dict[str, Any], function: str) -> dict[str, Any]:
    return next(i for i in doc["items"] if i["function"] == function)


# -- every student, from expected.yaml ---------------------------------------------------------


def test_every_assignment_has_a_sample_class(rubrics):
    assert sorted(EXPECTED) == sorted(rubrics)


@pytest.mark.parametrize("assignment", sorted(EXPECTED))
def test_the_class_is_graded_once_per_student(graded_sample_class, rubrics, assignment):
    """One document per student of expected.yaml (and so none for expected.yaml itself), at the
    rubric's points, which add up to 100."""
    out, result = graded_sample_class
    rubric = rubrics[assignment]
    assert rubric.max_score == 100
    graded = sorted(p.stem for p in (out / "results" / assignment).glob("*.json"))
    assert graded == sorted(EXPECTED[assignment])
    assert "expected.yaml" not in result.output  # not even listed as skipped
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rubrics"][assignment]["functions"] == {f.name: f.points for f in rubric.functions}


@pytest.mark.parametrize(("assignment", "student"), STUDENTS, ids=STUDENT_IDS)
def test_scores_are_pinned(graded_sample_class, rubrics, assignment, student):
    out, _ = graded_sample_class
    rubric = rubrics[assignment]
    expected = _expected(rubric, student)
    assert pinned_items(out, assignment, student) == {f: (e.score, e.status) for f, e in expected.items()}
    doc = _doc(out, assignment, student)
    assert doc["score"] == sum(e.score for e in expected.values())
    assert doc["max_score"] == rubric.max_score
    errors = (EXPECTED[assignment][student] or {}).get("errors")
    if errors:
        assert doc["errors"] and all(text in doc["errors"][0] for text in errors), doc["errors"]
    else:
        assert not doc["errors"]


@pytest.mark.parametrize(("assignment", "student"), STUDENTS, ids=STUDENT_IDS)
def test_misconceptions_are_named(graded_sample_class, rubrics, assignment, student):
    """The report names exactly the expected misconceptions, and none elsewhere."""
    out, _ = graded_sample_class
    expected = _expected(rubrics[assignment], student)
    doc = _doc(out, assignment, student)
    named = {i["function"]: (i["misconception"] or {}).get("name") for i in doc["items"]}
    assert named == {f: e.misconception for f, e in expected.items()}
    first = next((i for i in doc["items"] if i["misconception"]), None)
    if first:
        html = (out / "reports" / assignment / f"{student}.html").read_text()
        assert first["misconception"]["title"].split()[0] in html


# -- hw1 ---------------------------------------------------------------------------------------


def test_fokker_planck_feedback_reports_errors_and_orders(graded_sample_class):
    out, _ = graded_sample_class
    item = _item(_doc(out, "hw1", "joseph_fourier"), "fokker_planck_rhs")
    text = " ".join(item["feedback"])
    assert "observed orders" in text and "at least 1.8" in text and "M = 401" in text


def test_numpy_returns_and_another_scheme_get_full_credit_with_a_note(graded_sample_class):
    out, _ = graded_sample_class
    doc = _doc(out, "hw1", "emil_artin")  # full credit: pinned above
    notes = " ".join(n for i in doc["items"] for n in i["feedback"])
    assert "numpy" in notes
    assert not doc["stdout"]  # the `if __name__ == "__main__"` cell does not run


def test_top_level_prints_are_captured(graded_sample_class):
    out, _ = graded_sample_class
    assert _doc(out, "hw1", "leonhard_euler")["stdout"].strip()


# -- hw2 ---------------------------------------------------------------------------------------


def test_documents_have_the_schema(graded_sample_class):
    out, _ = graded_sample_class
    doc = _doc(out, "hw2", "ada_lovelace")
    for key in ("student", "assignment", "score", "max_score", "submission_sha256", "items"):
        assert key in doc
    item = doc["items"][0]
    assert set(item) >= {"function", "score", "max_score", "status", "feedback", "misconception"}


def test_timeouts_are_explained(graded_sample_class):
    """(john_nash's error pointing at line 42 is pinned in expected.yaml.)"""
    out, _ = graded_sample_class
    dsm = _item(_doc(out, "hw2", "kurt_goedel"), "dsm_loss")
    assert "time limit" in " ".join(dsm["feedback"])


def test_notebook_magics_are_noted(graded_sample_class):
    out, _ = graded_sample_class
    grace = _doc(out, "hw2", "grace_hopper")
    assert any("magics" in n for n in grace["notes"])


def test_float32_and_numpy_students_get_full_credit_with_notes(graded_sample_class):
    out, _ = graded_sample_class
    emmy = _doc(out, "hw2", "emmy_noether")  # full credit: pinned above
    assert any("float32" in f for i in emmy["items"] for f in i["feedback"])


def test_reports_and_gradebook(graded_sample_class, rubrics):
    out, result = graded_sample_class
    assert (out / "reports" / "hw2" / "index.html").is_file()
    html = (out / "reports" / "hw2" / "alan_turing.html").read_text()
    assert "ddpm_posterior" in html and "http://" not in html.replace("http://www.w3.org", "")
    book = pd.read_csv(out / "gradebook.csv")
    row = book[(book.student == "alan_turing") & (book.assignment == "hw2")].iloc[0]
    expected = _expected(rubrics["hw2"], "alan_turing")
    assert row["ddpm_posterior"] == expected["ddpm_posterior"].score
    assert row["score"] == sum(e.score for e in expected.values())
    assert row["max_score"] == rubrics["hw2"].max_score
    assert "gradebook.csv" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["packages"]["torch"].startswith("2.")


def test_rerun_keeps_up_to_date_results_and_export_needs_no_sandbox(graded_sample_class, tmp_path):
    out, _ = graded_sample_class
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


# -- hw3 ---------------------------------------------------------------------------------------


def test_statistical_check_explains_the_missing_half(graded_sample_class):
    out, _ = graded_sample_class
    ism = _item(_doc(out, "hw3", "enrico_fermi"), "implicit_score_matching_loss")
    check = next(c for c in ism["checks"] if c["kind"] == "ism_equals_esm")
    assert check["outcome"] == "failed" and check["score"] == 0
    assert "minus d/2" in " ".join(check["messages"])


def test_notebook_shell_lines_are_neutralised(graded_sample_class):
    out, _ = graded_sample_class
    doc = _doc(out, "hw3", "enrico_fermi")
    assert any("pip" in n or "magic" in n or "shell" in n for n in doc["notes"]), doc["notes"]


def test_python_float_losses_get_full_credit(graded_sample_class):
    out, _ = graded_sample_class
    doc = _doc(out, "hw3", "paul_dirac")  # full credit: pinned above
    assert not doc["stdout"]  # the `if __name__ == "__main__"` cell does not run


# -- hw4 ---------------------------------------------------------------------------------------


def test_detached_losses_are_explained(graded_sample_class):
    out, _ = graded_sample_class
    item = _item(_doc(out, "hw4", "ronald_fisher"), "dpo_loss")
    grad = next(c for c in item["checks"] if c["kind"] == "dpo_loss_gradient")
    assert grad["score"] == 0 and "differentiable" in " ".join(grad["messages"])
    assert all(c["outcome"] == "passed" for c in item["checks"] if c["kind"] == "elementwise")


def test_numpy_notebook_gets_full_credit_with_notes(graded_sample_class):
    out, _ = graded_sample_class
    doc = _doc(out, "hw4", "gertrude_cox")  # full credit: pinned above
    assert any("numpy" in f for i in doc["items"] for f in i["feedback"])


def test_manual_items_are_listed(graded_sample_class, rubrics):
    out, _ = graded_sample_class
    doc = _doc(out, "hw4", "david_blackwell")
    assert [m["item"] for m in doc["manual"]] == [m.item for m in rubrics["hw4"].manual]
    assert all(m["score"] is None for m in doc["manual"])


# -- quiz1 -------------------------------------------------------------------------------------


def test_numpy_notebook_is_graded_as_a_notebook(graded_sample_class):
    out, _ = graded_sample_class
    doc = _doc(out, "quiz1", "dorothy_vaughan")  # full credit: pinned above
    assert doc["submission_kind"] == "notebook"
