"""The per-case template of every check kind: unusable calls are handled once, the same way.

Every kind in the bundled rubrics is driven with records that never reach
its own judging (a timeout, a crash, an unreadable value, an in-place edit
of an input): the template must fail each case with the right outcome and
message, and award nothing, whatever the kind. A kind that judged such a
record itself (the six hand-written loops this template replaced) would
give a different outcome or message.
"""

from __future__ import annotations

import pytest

from grader.calls import CallOutcome, CallRecord
from grader.judge.checks import CheckContext
from grader.judge.kinds import CHECK_KINDS
from grader.rubric import load_rubrics


def _one_check_per_kind():
    seen = {}
    for rubric in load_rubrics().values():
        for fn in rubric.functions:
            for check in fn.checks:
                seen.setdefault(check.kind, (rubric, fn, check))
    return seen


KIND_CHECKS = _one_check_per_kind()

UNUSABLE = {
    "timeout": (CallOutcome("timeout", seconds=10.0), None, "timeout", "did not finish within the time limit"),
    "crash": (CallOutcome("crash", error={"message": "the sandbox process died"}), None, "error",
              "the sandbox process died"),
    "unreadable": (CallOutcome("ok"), "a generator object", "error", "a value the grader cannot read"),
    "in place": (CallOutcome("ok", mutated=["x_t"]), None, "failed", "modified its input(s) x_t in place"),
}


def test_every_registered_kind_is_used_by_some_rubric():
    assert set(KIND_CHECKS) == set(CHECK_KINDS)


@pytest.mark.parametrize("what", sorted(UNUSABLE))
@pytest.mark.parametrize("kind_name", sorted(KIND_CHECKS))
def test_unusable_calls_fail_every_case_the_same_way(kind_name, what):
    rubric, fn, check = KIND_CHECKS[kind_name]
    kind = CHECK_KINDS[kind_name]
    ctx = CheckContext(rubric.assignment, "student_x", fn, check, rubric.reference_function(fn.name),
                       lambda o: str((o.error or {}).get("message", "raised")))
    outcome, decode_error, expected_outcome, message = UNUSABLE[what]
    records = [CallRecord(p, outcome, None, decode_error) for p in kind.plan(ctx)]
    result = kind.judge(ctx, records)
    assert result.score == 0
    assert result.outcome == expected_outcome
    assert result.messages and all(message in m for m in result.messages)
    assert len(result.messages) == len(kind.cases(ctx, records))  # one message per case, not per call
