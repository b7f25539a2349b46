"""Planning a submission's sandbox calls: each check's inputs drawn and encoded once, ahead of need.

Planning does not depend on any call's result, so :class:`FunctionPlans`
plans the next function while the sandbox runs this one's calls. Public
checks have the same inputs for every student (seeded ``"public"``,
:meth:`~grader.judge.checks.CheckContext.seed`): :func:`plan_check` plans
and encodes each once per process and shares the planned calls, with the
reference outputs that :func:`prefetch` keeps on them. Nothing here runs
student code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from grader.calls import CallOutcome, PlannedCall
from grader.discover import Submission
from grader.errors import GRADER_BUG
from grader.judge.checks import CheckContext, CheckResult
from grader.judge.kinds import CHECK_KINDS
from grader.rubric import Check, FunctionRubric, Rubric
from grader.sandbox.codec import to_wire

__all__ = ["FunctionPlans", "Planned", "grader_error", "plan_check", "prefetch"]

#: A check's planned calls, each with its arguments encoded for the wire.
Planned = list[tuple[PlannedCall, list[object]]]

#: The planned calls of public checks, by check (the check is kept, so its id is never reused).
_PUBLIC_PLANS: dict[int, tuple[Check, Planned]] = {}


def grader_error(check: Check, exc: Exception) -> CheckResult:
    """The result of a check the grader itself failed on (planning or judging): outcome ``error``, no points.

    Parameters
    ----------
    check : Check
        The check.
    exc : Exception
        What the grader raised; its type and message follow
        :data:`grader.errors.GRADER_BUG` in the check's message.

    Returns
    -------
    CheckResult
    """
    return CheckResult(check.name, check.kind, check.visibility, "error", 0.0, check.points,
                       [f"{GRADER_BUG}: {type(exc).__name__}: {exc}"])


def plan_check(ctx: CheckContext) -> Planned | CheckResult:
    """A check's planned and encoded calls (shared when public), or its grader error when planning fails.

    Parameters
    ----------
    ctx : CheckContext
        The check, its function and the student (whose seed draws hidden inputs).

    Returns
    -------
    Planned or CheckResult
        The calls with their wire arguments; a failure of the grader's
        planning is that check's :func:`grader_error` (it must not stop the class).
    """
    public = ctx.check.visibility == "public"
    known = _PUBLIC_PLANS.get(id(ctx.check)) if public else None
    if known is not None and known[0] is ctx.check:
        return known[1]
    try:
        planned: Planned = [(call, [to_wire(v) for v in call.args.values()])
                            for call in CHECK_KINDS[ctx.check.kind].plan(ctx)]
    except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the class
        return grader_error(ctx.check, exc)
    if public:
        _PUBLIC_PLANS[id(ctx.check)] = (ctx.check, planned)
    return planned


def prefetch(planned: list[tuple[CheckContext, Planned]]) -> None:
    """What the judge will need of these calls, computed while the sandbox runs them.

    A kind with a ``prefetch(ctx, calls)`` method (the elementwise kind:
    the reference's outputs) computes them here and keeps them on the
    planned calls (:attr:`grader.calls.PlannedCall.expected`); a failure is
    ignored, since the judge then computes the value itself and reports it.

    Parameters
    ----------
    planned : list
        ``(context, planned calls)`` per check.
    """
    for ctx, calls in planned:
        fetch = getattr(CHECK_KINDS[ctx.check.kind], "prefetch", None)
        if fetch is None:
            continue
        try:
            fetch(ctx, [call for call, _wire in calls])
        except Exception:  # noqa: BLE001, S112 - the judge computes it again and reports any failure
            continue


@dataclass
class FunctionPlans:
    """The planned calls of a submission's functions, each planned once, the next one ahead.

    Made with all the rubric's functions; :meth:`keep` narrows them to those
    the submission defines once its load reply says so. The calls themselves
    are made in the same order whether or not a function was planned ahead.

    Attributes
    ----------
    functions : list of FunctionRubric
        The functions to grade, in order.
    rubric : Rubric
        Their assignment's rubric (reference functions).
    sub : Submission
        The student's submission (its student seeds hidden inputs).
    describe_error : callable
        How a check words a failed call for the student (:attr:`CheckContext.describe_error`).
    done : dict
        Function name -> its checks' contexts and plans, planned ahead and not yet taken.
    """

    functions: list[FunctionRubric]
    rubric: Rubric
    sub: Submission
    describe_error: Callable[[CallOutcome], str]
    done: dict[str, tuple[list[CheckContext], list[Planned | CheckResult]]] = field(default_factory=dict)

    def _make(self, fn: FunctionRubric) -> tuple[list[CheckContext], list[Planned | CheckResult]]:
        reference = self.rubric.reference_function(fn.name)
        contexts = [CheckContext(self.sub.assignment, self.sub.student, fn, check, reference,
                                 self.describe_error, self.rubric.term) for check in fn.checks]
        return contexts, [plan_check(ctx) for ctx in contexts]

    def take(self, fn: FunctionRubric) -> tuple[list[CheckContext], list[Planned | CheckResult]]:
        """The contexts and plans of ``fn``'s checks (planned now unless planned ahead)."""
        return self.done.pop(fn.name, None) or self._make(fn)

    def first(self) -> None:
        """Plan the first two functions (while the sandbox loads the submission: see :meth:`keep`)."""
        if self.functions:
            self.done[self.functions[0].name] = self._make(self.functions[0])
            self.ahead(self.functions[0])

    def keep(self, defined: list[str]) -> None:
        """Grade only the functions named in ``defined`` (those the submission defines), in order."""
        self.functions = [f for f in self.functions if f.name in defined]
        self.done = {name: plan for name, plan in self.done.items() if name in defined}

    def ahead(self, fn: FunctionRubric) -> None:
        """Plan the function after ``fn``, if any."""
        names = [f.name for f in self.functions]
        at = names.index(fn.name) + 1 if fn.name in names else len(names)
        if at < len(names) and names[at] not in self.done:
            self.done[names[at]] = self._make(self.functions[at])
