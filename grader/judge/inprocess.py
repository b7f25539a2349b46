"""Run a check on a *trusted* implementation in the grader's own process.

For the references, the misconception library and the benchmark only: never
for student code, which always goes through the sandbox. Mirrors what the
sandbox child does (arguments built from fixtures, gradient probes, in-place
mutation detection), without the process boundary.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from grader.calls import CallOutcome, CallRecord
from grader.judge.checks import CHECK_KINDS, CheckContext, CheckKind, CheckResult, materialise
from grader.judge.scoring import forbid_mutation
from grader.rubric import Rubric
from grader.sandbox.child import _gradient_probe, snapshot_inputs
from grader.sandbox.codec import to_wire
from grader.values import decode_value

__all__ = ["records_for", "run_check", "total_score"]


def records_for(ctx: CheckContext, kind: CheckKind, impl: Callable[..., Any]) -> list[CallRecord]:
    """Plan ``kind`` for ``ctx`` and call ``impl`` in-process on every planned input.

    Parameters
    ----------
    ctx : CheckContext
        The check and whose seed.
    kind : CheckKind
        Its kind.
    impl : callable
        A trusted implementation with the contract's signature.

    Returns
    -------
    list of CallRecord
        As the pipeline would record them (values normalised through the codec).
    """
    names = list(inspect.signature(ctx.reference).parameters)
    records = []
    for planned in kind.plan(ctx):
        args = materialise(planned.args)
        for i in planned.requires_grad:
            args[i] = args[i].clone().requires_grad_(True)
        changed = snapshot_inputs(args, names)
        try:
            value = impl(*args)
            extras = _gradient_probe(value, args, planned.grad) if planned.grad else {}
        except Exception as exc:  # noqa: BLE001 - a wrong variant may raise
            records.append(CallRecord(planned, CallOutcome(
                "error", error={"type": type(exc).__name__, "message": str(exc)})))
            continue
        outcome = CallOutcome("ok", value=to_wire(value), extras=extras, mutated=changed())
        record = CallRecord(planned, outcome, decode_value(outcome.value))
        if "grad" in extras:
            record.extras["grad"] = [decode_value(v) for v in extras["grad"]]
        if "grad_error" in extras:
            record.extras["grad_error"] = extras["grad_error"]
        records.append(record)
    return records


def run_check(rubric: Rubric, function: str, check_name: str, impl: Callable[..., Any],
              student: str = "test_student", visibility: str | None = None) -> CheckResult:
    """Plan one check, call ``impl`` in-process on its inputs, and judge.

    Parameters
    ----------
    rubric : Rubric
    function, check_name : str
        Which check.
    impl : callable
        A trusted implementation.
    student : str
        Student id (seeds hidden checks).
    visibility : {"public", "hidden"}, optional
        Override the check's visibility (``"hidden"`` makes the seed depend
        on ``student`` even for public checks, e.g. to vary seeds).

    Returns
    -------
    CheckResult
    """
    fn = next(f for f in rubric.functions if f.name == function)
    check = next(c for c in fn.checks if c.name == check_name)
    if visibility is not None:
        check = check.model_copy(update={"visibility": visibility})
    ctx = CheckContext(rubric.assignment, student, fn, check, rubric.reference_function(function),
                       lambda o: str(o.error))
    kind = CHECK_KINDS[check.kind]
    records = records_for(ctx, kind, impl)
    return forbid_mutation(kind.judge(ctx, records), records)


def total_score(rubric: Rubric, function: str, impl: Callable[..., Any], student: str = "test_student") -> float:
    """Sum of the scores of every check of ``function`` for ``impl``."""
    fn = next(f for f in rubric.functions if f.name == function)
    return sum(run_check(rubric, function, c.name, impl, student).score for c in fn.checks)
