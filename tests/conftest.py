"""Shared test helpers: run a rubric check on an in-process implementation.

The grader never runs student code in its own process; tests may, to check
that every check passes the reference and fails realistic wrong variants
without paying a sandbox start-up per case.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import pytest
import torch

from grader.execute import CallOutcome
from grader.judge.checks import CHECK_KINDS, CallRecord, CheckContext, CheckResult, materialise
from grader.rubric import Rubric, load_rubrics
from grader.sandbox.child import _gradient_probe
from grader.sandbox.codec import to_wire
from grader.values import decode_value


@pytest.fixture(scope="session")
def rubrics() -> dict[str, Rubric]:
    return load_rubrics()


def _records(ctx: CheckContext, kind: Any, impl: Callable[..., Any]) -> list[CallRecord]:
    """Plan ``kind`` for ``ctx`` and call ``impl`` in-process on every planned input."""
    ref = ctx.reference
    records = []
    for planned in kind.plan(ctx):
        args = materialise(planned.args)
        for i in planned.requires_grad:
            args[i] = args[i].clone().requires_grad_(True)
        before = [copy.deepcopy(a) if isinstance(a, torch.Tensor) else None for a in args]
        try:
            value = impl(*args)
            extras = _gradient_probe(value, args, planned.grad) if planned.grad else {}
        except Exception as exc:  # noqa: BLE001
            outcome = CallOutcome("error", error={"type": type(exc).__name__, "message": str(exc)})
            records.append(CallRecord(planned, outcome))
            continue
        names = list(inspect.signature(ref).parameters)
        mutated = [n for n, a, b in zip(names, args, before) if b is not None and not torch.equal(a.detach(), b.detach())]
        outcome = CallOutcome("ok", value=to_wire(value), extras=extras, mutated=mutated)
        record = CallRecord(planned, outcome, decode_value(outcome.value))
        if "grad" in extras:
            record.extras["grad"] = [decode_value(v) for v in extras["grad"]]
        if "grad_error" in extras:
            record.extras["grad_error"] = extras["grad_error"]
        records.append(record)
    return records


def run_check(rubric: Rubric, function: str, check_name: str, impl: Callable[..., Any],
              student: str = "test_student") -> CheckResult:
    """Plan a check, call ``impl`` in-process on the planned inputs, and judge."""
    fn = next(f for f in rubric.functions if f.name == function)
    check = next(c for c in fn.checks if c.name == check_name)
    ref = rubric.reference_function(function)
    ctx = CheckContext(rubric.assignment, student, fn, check, ref, lambda o: str(o.error))
    kind = CHECK_KINDS[check.kind]
    return kind.judge(ctx, _records(ctx, kind, impl))


def total_score(rubric: Rubric, function: str, impl: Callable[..., Any], student: str = "test_student") -> float:
    """Sum of the scores of every check of ``function`` for ``impl``."""
    fn = next(f for f in rubric.functions if f.name == function)
    return sum(run_check(rubric, function, c.name, impl, student).score for c in fn.checks)


@pytest.fixture(scope="session")
def graded_sample_class(tmp_path_factory):
    """Grade the whole bundled sample class once per test session through the CLI.

    Returns (output folder, click result).
    """
    from click.testing import CliRunner

    from grader.cli import cli

    out = tmp_path_factory.mktemp("sample-class")
    result = CliRunner().invoke(cli, ["run", "submissions", "--out", str(out), "--workers", "2",
                                      "--timeout", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    return out, result


def pinned_items(out, assignment: str, student: str) -> dict[str, tuple[float, str]]:
    """{function: (score, status)} of one student's result document."""
    import json

    doc = json.loads((out / "results" / assignment / f"{student}.json").read_text())
    return {i["function"]: (i["score"], i["status"]) for i in doc["items"]}
