"""Run a check on a *trusted* implementation in the grader's own process.

For the references, the misconception library and the benchmark only: never
for student code, which always goes through the sandbox. Each call goes
through :func:`grader.sandbox.invoke.invoke`, the call path of the sandbox
child: the same encoded arguments the pipeline sends (so the same decoded
tensors and built fixtures), the same ``requires_grad`` marking and gradient
probe, the same in-place detection (nested tensors included), and the
outcome is decoded as the pipeline decodes it. Only the process boundary,
the timer and the output capture are missing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from grader.calls import CallOutcome, CallRecord, PlannedCall, record_of
from grader.judge.checks import CheckContext, CheckKind, CheckResult
from grader.judge.kinds import CHECK_KINDS
from grader.judge.scoring import forbid_mutation
from grader.rubric import Rubric
from grader.sandbox.codec import to_wire
from grader.sandbox.invoke import invoke

__all__ = ["call_in_process", "records_for", "run_check", "total_score"]


def call_in_process(impl: Callable[..., Any], planned: PlannedCall, names: list[str]) -> CallRecord:
    """Make one planned call of ``impl`` in-process, as the sandbox would, and decode it.

    Parameters
    ----------
    impl : callable
        A trusted implementation with the contract's signature.
    planned : PlannedCall
        The call: arguments, ``requires_grad`` positions, gradient probe.
    names : list of str
        The contract's parameter names (reported for in-place modification).

    Returns
    -------
    CallRecord
        Status ``"ok"`` with the encoded value, ``extras`` and ``mutated`` the
        child would send, and the value (and gradients) decoded as the
        pipeline decodes them; or status ``"error"`` with the exception's
        ``type`` and ``message`` if ``impl`` raised.
    """
    wire = [to_wire(v) for v in planned.args.values()]
    try:
        returned = invoke(impl, wire, names=names, requires_grad=planned.requires_grad, grad=planned.grad)
    except Exception as exc:  # noqa: BLE001 - a wrong variant may raise
        return CallRecord(planned, CallOutcome("error", error={"type": type(exc).__name__, "message": str(exc)}))
    outcome = CallOutcome("ok", value=returned.value, extras=returned.extras, mutated=returned.mutated,
                          seconds=returned.seconds)
    return record_of(planned, outcome)


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
        As the pipeline would record them (see :func:`call_in_process`).
    """
    names = list(inspect.signature(ctx.reference).parameters)
    return [call_in_process(impl, planned, names) for planned in kind.plan(ctx)]


def run_check(rubric: Rubric, function: str, check_name: str, impl: Callable[..., Any],
              student: str = "test_student", visibility: str | None = None) -> CheckResult:
    """Plan one check, call ``impl`` in-process on its inputs, and judge.

    Parameters
    ----------
    rubric : Rubric
        The assignment's rubric.
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
        The judged check, with the in-place rule applied
        (:func:`~grader.judge.scoring.forbid_mutation`).
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
    """Sum of the scores of every check of ``function`` for ``impl``.

    Parameters
    ----------
    rubric : Rubric
        The assignment's rubric.
    function : str
        Which function of the contract.
    impl : callable
        A trusted implementation.
    student : str
        Student id (seeds hidden checks).

    Returns
    -------
    float
        Points earned, out of the function's points.
    """
    fn = next(f for f in rubric.functions if f.name == function)
    return sum(run_check(rubric, function, c.name, impl, student).score for c in fn.checks)
