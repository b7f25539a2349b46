"""One result document as Gradescope's ``results.json`` object.

Gradescope's specification ("Autograder Specifications",
https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level
``score``, ``execution_time``, ``output`` with ``output_format``,
``stdout_visibility`` and ``tests``, each test with ``name``, ``number``,
``score``, ``max_score``, ``status``, ``output``, ``output_format`` and
``visibility`` (``visible``, ``hidden``, ``after_due_date``, ``after_published``).

What students see, and when (the rule of ``grade check`` and of the
reports' input labels, :meth:`grader.judge.checks.CheckContext.label`:
public inputs may be shown, hidden ones not): every graded function gives

* a **visible** test, ``<function>: public checks``: the public checks'
  points, what each compared and how it differed (public inputs are the
  same for everyone and are in the problem set), the misconception the
  grader named, and the student's own line where an error was raised;
* an **after_due_date** test, ``<function>: hidden checks``: the hidden
  checks' points and messages, whose expected values come from inputs drawn
  for this student. Gradescope shows it only after the (late) due date.

So nothing derived from a hidden input (its values, the expected output,
the student's printed output) is in a field visible before the due date;
the student's ``stdout`` is never in it (the autograder copies the start of
it to its own log, which ``stdout_visibility: "hidden"`` keeps for instructors).
Instructor overrides, scored written parts and late penalties are tests of
their own, so the tests' scores always add up to ``score``. A grader
failure on a check is said as such, without the exception's text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from grader.gradescope.markdown import bullets, cap, code, points, text

__all__ = ["GRADER_BUG_SHORT", "VISIBLE", "AFTER_DUE_DATE", "results_json", "failure_results"]

#: What students read when the grader failed (its own fault): no exception text, no traceback.
GRADER_BUG_SHORT = ("The grader failed while judging this (a bug in the grader, not in your code); "
                    "the instructors have the details")
#: Visibility of tests about public checks (and of everything at the top level).
VISIBLE = "visible"
#: Visibility of tests about hidden checks.
AFTER_DUE_DATE = "after_due_date"

_BUG_PREFIX = "The grader failed"
_MESSAGES_PER_CHECK = 4


def _round(x: float) -> float:
    return round(float(x), 6)


def _test(name: str, number: str, score: float, max_score: float, output: str, visibility: str,
          status: str | None = None) -> dict[str, Any]:
    passed = score >= max_score - 1e-9
    return {"name": name, "number": number, "score": _round(score), "max_score": _round(max_score),
            "status": status or ("passed" if passed else "failed"), "output": cap(output),
            "output_format": "md", "visibility": visibility}


def _message(message: str) -> str:
    """A check message, as Markdown; a grader failure loses its exception text."""
    return text(GRADER_BUG_SHORT + ".") if message.startswith(_BUG_PREFIX) else text(message)


def _check_lines(checks: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for c in checks:
        mark = "passed" if c["outcome"] == "passed" else c["outcome"]
        lines.extend(bullets([f"{code(c['name'])}: **{mark}**, {points(c['score'])} / {points(c['max_score'])}"]))
        details = [_message(m) for m in c["messages"][:_MESSAGES_PER_CHECK]]
        if len(c["messages"]) > _MESSAGES_PER_CHECK:
            details.append(f"*({len(c['messages']) - _MESSAGES_PER_CHECK} more messages)*")
        details.extend(text(n) for n in c.get("notes") or [])
        lines.extend(bullets(details, indent=1))
    return lines


def _source_lines(item: Mapping[str, Any]) -> list[str]:
    source = item.get("source")
    if not source:
        return []
    return ["", f"**Your line** ({text(source['location'])}): {code(source['text'])}"]


def _misconception_lines(item: Mapping[str, Any]) -> list[str]:
    found = item.get("misconception")
    if not found:
        return []
    return ["", f"**Likely mistake: {text(found['title'])}.** {text(found['explanation'])}",
            "", f"See: {text(found['reference'])}."]


def _source_is_public(item: Mapping[str, Any]) -> bool:
    """Whether the student's line may go in the visible test: raised by a public check, or not by a check."""
    raised = [c for c in item["checks"] if c.get("error_lineno")]
    return not raised or any(c["visibility"] == "public" for c in raised)


def _public_output(item: Mapping[str, Any], public: list[Mapping[str, Any]], has_hidden: bool) -> str:
    lines = [f"**Public checks** (the same inputs for everyone): "
             f"{points(sum(c['score'] for c in public))} / {points(sum(c['max_score'] for c in public))} points", ""]
    lines += _check_lines(public)
    lines += _misconception_lines(item)
    if _source_is_public(item):
        lines += _source_lines(item)
    if has_hidden:
        lines += ["", "Hidden checks run this function on inputs drawn for you; their results and points "
                      "are shown after the due date."]
    return "\n".join(lines)


def _hidden_output(item: Mapping[str, Any], hidden: list[Mapping[str, Any]]) -> str:
    lines = [f"**Hidden checks** (inputs drawn for you): "
             f"{points(sum(c['score'] for c in hidden))} / {points(sum(c['max_score'] for c in hidden))} points", ""]
    lines += _check_lines(hidden)
    if not _source_is_public(item):
        lines += _source_lines(item)
    return "\n".join(lines)


def _overridden(item: Mapping[str, Any], override: Mapping[str, Any], number: str,
                hidden: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """An instructor's points stand for the function; the hidden checks' details follow, for 0 points."""
    name = item["function"]
    public = [c for c in item["checks"] if c["visibility"] == "public"]
    output = "\n".join([f"**Instructor's points: {points(override['points'])}** "
                        f"(the checks gave {points(override['auto_points'])}). {text(override['reason'])}", "",
                        _public_output(item, public, bool(hidden)) if public else ""])
    tests = [_test(f"{name}: instructor's points", number, override["points"], item["max_score"], output, VISIBLE)]
    if hidden:
        outcome = "passed" if all(c["outcome"] == "passed" for c in hidden) else "failed"
        tests.append(_test(f"{name}: hidden checks", number + ".2", 0.0, 0.0, _hidden_output(item, hidden),
                           AFTER_DUE_DATE, status=outcome))
    return tests


def _function_tests(item: Mapping[str, Any], index: int, overrides: Mapping[str, Mapping[str, Any]]
                    ) -> list[dict[str, Any]]:
    """The tests of one graded function: public checks visible, hidden checks after the due date."""
    name, number = item["function"], str(index)
    public = [c for c in item["checks"] if c["visibility"] == "public"]
    hidden = [c for c in item["checks"] if c["visibility"] != "public"]
    if name in overrides:
        return _overridden(item, overrides[name], number, hidden)
    if not public and not hidden:  # an item without checks (not written by grade_submission; kept valid)
        return [_test(name, number, item["score"], item["max_score"], text("; ".join(item["feedback"])), VISIBLE)]
    tests = []
    if public:
        tests.append(_test(f"{name}: public checks", f"{number}.1", sum(c["score"] for c in public),
                           sum(c["max_score"] for c in public), _public_output(item, public, bool(hidden)), VISIBLE))
    if hidden:
        tests.append(_test(f"{name}: hidden checks", f"{number}.2", sum(c["score"] for c in hidden),
                           sum(c["max_score"] for c in hidden), _hidden_output(item, hidden), AFTER_DUE_DATE))
    return tests


def _other_tests(doc: Mapping[str, Any], start: int) -> list[dict[str, Any]]:
    """Scored written parts and the late penalty: they count in the document's score, so in the tests'."""
    tests = []
    for n, entry in enumerate((m for m in doc.get("manual") or [] if m.get("score") is not None), start):
        output = text(entry["comment"]) if entry["comment"] else "Scored by the instructors."
        tests.append(_test(f"Written: {entry['title']}", str(n), entry["score"], entry["max_score"], output, VISIBLE))
    penalty = float(doc.get("late_penalty") or 0.0)
    if penalty > 0:
        tests.append(_test("Late penalty", str(start + len(tests)), -penalty, 0.0,
                           text(doc.get("late_note") or "Submitted after the due date."), VISIBLE, status="failed"))
    return tests


def _summary(doc: Mapping[str, Any], tests: list[dict[str, Any]], notes: Sequence[str]) -> str:
    visible = [t for t in tests if t["visibility"] == VISIBLE and t["name"].endswith(": public checks")]
    lines = [f"**{text(doc['assignment'])}**: public checks {points(sum(t['score'] for t in visible))} / "
             f"{points(sum(t['max_score'] for t in visible))} points over {len(doc['items'])} functions."]
    errors = [_message(e) for e in doc.get("errors") or []]
    if errors:
        lines += ["", "**Your submission could not be fully graded:**", *bullets(errors)]
    if any(t["visibility"] == AFTER_DUE_DATE for t in tests):
        lines += ["", "Hidden checks (inputs drawn for you) count towards your score; their results, points "
                      "and details are shown after the due date."]
    pending = [m["title"] for m in doc.get("manual") or [] if m.get("score") is None]
    if pending:
        lines += ["", f"{len(pending)} written part(s) are graded by the instructors, not by the autograder."]
    all_notes = [text(n) for n in [*(doc.get("notes") or []), *notes]]
    if all_notes:
        lines += ["", "**Notes:**", *bullets(all_notes)]
    return "\n".join(lines)


def results_json(doc: Mapping[str, Any], *, execution_time: float | None = None,
                 notes: Sequence[str] = ()) -> dict[str, Any]:
    """The ``results.json`` object of one result document.

    Parameters
    ----------
    doc : mapping
        A result document (:class:`grader.results.ResultDocument`), as
        :func:`grader.grading.grade_submission` returns it or as recorded.
    execution_time : float, optional
        Seconds the grading took (rounded up to whole seconds); left out when None.
    notes : sequence of str, optional
        More notes for the top-level output (e.g. what the container lacks).

    Returns
    -------
    dict
        ``score`` (the sum of the tests' scores, which is the document's
        score), ``output`` and ``output_format``, ``stdout_visibility``
        ``"hidden"``, ``tests`` and, if given, ``execution_time``.
    """
    overrides = {o["function"]: o for o in doc.get("overrides") or []}
    tests: list[dict[str, Any]] = []
    for index, item in enumerate(doc["items"], 1):
        tests.extend(_function_tests(item, index, overrides))
    tests.extend(_other_tests(doc, len(doc["items"]) + 1))
    result: dict[str, Any] = {"score": _round(sum(t["score"] for t in tests))}
    if execution_time is not None:
        result["execution_time"] = max(0, math.ceil(execution_time))
    result.update({"output": cap(_summary(doc, tests, notes)), "output_format": "md",
                   "test_output_format": "md", "test_name_format": "text", "visibility": VISIBLE,
                   "stdout_visibility": "hidden", "tests": tests})
    return result


def failure_results(message: str, *, execution_time: float | None = None) -> dict[str, Any]:
    """The ``results.json`` of a submission that could not be graded at all: score 0 and ``message``.

    Parameters
    ----------
    message : str
        What to tell the student (no traceback: that goes to the instructors' log).
    execution_time : float, optional
        Seconds spent.

    Returns
    -------
    dict
        A valid ``results.json`` object with one failed, 0-point visible test.
    """
    result: dict[str, Any] = {"score": 0.0}
    if execution_time is not None:
        result["execution_time"] = max(0, math.ceil(execution_time))
    result.update({"output": text(message), "output_format": "md", "test_output_format": "md",
                   "test_name_format": "text", "visibility": VISIBLE, "stdout_visibility": "hidden",
                   "tests": [_test("Grading", "0", 0.0, 0.0, text(message), VISIBLE, status="failed")]})
    return result
