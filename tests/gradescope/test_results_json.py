"""results.json from result documents built in memory: visibility, sums, grader failures, extras."""

from __future__ import annotations

import copy

from grader.gradescope.results_json import GRADER_BUG_SHORT, failure_results, results_json
from grader.grading import GRADER_BUG
from grader.results import validate_result
from tests.gradescope.conftest import check_results

SECRET = "expected 0.649819, got 0.649299"


def _check(name, visibility, outcome, score, max_score, messages=(), lineno=None):
    return {"name": name, "kind": "elementwise", "visibility": visibility, "outcome": outcome, "score": score,
            "max_score": max_score, "messages": list(messages), "notes": [], "plot": None, "error_lineno": lineno}


def _doc():
    ddim = {"function": "ddim_step", "score": 3.0, "max_score": 8.0, "status": "partial", "feedback": [],
            "misconception": {"name": "no_sigma", "title": "Forgets sigma under the square root",
                              "explanation": "sqrt(1 - alpha_prev - sigma^2) lost its sigma^2 term.",
                              "reference": "hw2 problem 2, eq. (12)"},
            "source": {"location": "line 12", "text": "return `x` * 2 # <b>bold</b> [link](http://x)"},
            "checks": [_check("edge cases", "public", "passed", 3.0, 3.0),
                       _check("random sigma", "hidden", "failed", 0.0, 5.0, [f"case 1: output: {SECRET}"])]}
    kl = {"function": "gaussian_kl", "score": 0.0, "max_score": 4.0, "status": "error", "feedback": [],
          "misconception": None, "source": None,
          "checks": [_check("one pair", "public", "error", 0.0, 2.0, [f"{GRADER_BUG}: KeyError: 'secret-detail'"]),
                     _check("random pairs", "hidden", "failed", 0.0, 2.0, ["raised ValueError: x = [0.123456]"],
                            lineno=7)]}
    doc = {"schema_version": 1, "student": "ada", "assignment": "hw2", "score": 3.0, "max_score": 12.0,
           "submission_sha256": "0" * 64, "submission_path": "ada.py", "submission_kind": "module",
           "rubric_sha256": "1" * 64, "graded_at": "2024-01-01T00:00:00+00:00", "grader_version": "0.1.0",
           "errors": [], "notes": ["Sandbox: no network or file-system isolation."],
           "stdout": "x = [0.123456]", "items": [ddim, kl], "manual": []}
    validate_result(doc)
    return doc


def test_public_checks_visible_hidden_details_after_due_date():
    result = results_json(_doc(), execution_time=12.2)
    check_results(result, hidden_secrets=[SECRET, "0.123456", "random sigma", "secret-detail"])
    names = [(t["name"], t["visibility"], t["score"], t["max_score"], t["status"]) for t in result["tests"]]
    assert names == [("ddim_step: public checks", "visible", 3.0, 3.0, "passed"),
                     ("ddim_step: hidden checks", "after_due_date", 0.0, 5.0, "failed"),
                     ("gaussian_kl: public checks", "visible", 0.0, 2.0, "failed"),
                     ("gaussian_kl: hidden checks", "after_due_date", 0.0, 2.0, "failed")]
    assert result["score"] == 3.0 and result["execution_time"] == 13
    assert result["stdout_visibility"] == "hidden" and result["output_format"] == "md"
    hidden = result["tests"][1]["output"]
    assert "0.649819" in hidden and "random sigma" in hidden


def test_visible_output_names_the_misconception_and_escapes_the_students_line():
    public = results_json(_doc())["tests"][0]["output"]
    assert "Forgets sigma under the square root" in public and "hw2 problem 2" in public
    assert "``return `x` * 2 # <b>bold</b> [link](http://x)``" in public  # verbatim, inside a code span
    assert "<b>" not in public.replace("``return `x` * 2 # <b>bold</b> [link](http://x)``", "")


def test_a_line_raised_by_a_hidden_check_stays_with_the_hidden_test():
    doc = _doc()
    doc["items"][1]["source"] = {"location": "line 7", "text": "raise ValueError(x)"}
    tests = results_json(doc)["tests"]
    assert "raise ValueError" not in tests[2]["output"] and "raise ValueError" in tests[3]["output"]


def test_a_grader_failure_says_so_without_the_exception():
    result = results_json(_doc())
    kl_public = result["tests"][2]["output"]
    assert GRADER_BUG_SHORT in kl_public.replace("\\", "") and "secret-detail" not in kl_public
    assert "KeyError" not in str(result)


def test_overrides_manual_parts_and_late_penalty_keep_the_sum():
    doc = copy.deepcopy(_doc())
    doc["items"][0]["score"] = 7.0
    doc["overrides"] = [{"function": "ddim_step", "points": 7.0, "auto_points": 3.0, "reason": "typo only",
                         "by": "ta", "at": "2024-01-02T00:00:00+00:00"}]
    doc["manual"] = [{"item": "p1", "title": "Problem 1 proof", "max_score": 5.0, "score": 4.0, "comment": "ok"},
                     {"item": "p2", "title": "Problem 2", "max_score": 5.0, "score": None, "comment": ""}]
    doc.update(late_penalty=1.0, raw_score=11.0, score=10.0, late_note="1 day late: -10%")
    result = results_json(doc)
    check_results(result, hidden_secrets=[SECRET])
    assert result["score"] == 10.0
    by_name = {t["name"]: t for t in result["tests"]}
    assert by_name["ddim_step: instructor's points"]["score"] == 7.0
    assert by_name["ddim_step: hidden checks"]["max_score"] == 0.0
    assert by_name["Written: Problem 1 proof"]["score"] == 4.0
    assert by_name["Late penalty"]["score"] == -1.0
    assert "1 written part(s) are graded by the instructors" in result["output"]


def test_failure_results_is_valid_and_scores_zero():
    result = failure_results("The grader failed.", execution_time=3)
    check_results(result)
    assert result["score"] == 0 and result["tests"][0]["status"] == "failed"
