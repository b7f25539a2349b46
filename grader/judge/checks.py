"""Check kinds: how a rubric check plans sandbox calls and judges their outputs.

Every kind is a pair of pure steps around the sandbox:

``plan(ctx) -> list[PlannedCall]``
    inputs drawn from ``ctx.seed`` (never reference answers);
``judge(ctx, records) -> CheckResult``
    runs in the grader on plain decoded values, computes whatever it needs
    from the reference implementation, and scores.

:meth:`CheckKind.judge` is one template for every kind: it groups the
records into cases (one call each by default), turns a call that timed out,
raised, crashed, returned an unreadable value or modified its inputs in
place into that case's failure, asks the kind's :meth:`CheckKind.judge_case`
for a :class:`Verdict` on the others, discounts cases that a trivial output
passes too (:func:`count_informative`), and gives partial credit over the
cases (:func:`summarise`). A kind declares its rubric ``params`` as a
pydantic model (:attr:`CheckKind.Params`), validated when the rubric loads.

Kinds are registered by name in :data:`grader.judge.kinds.CHECK_KINDS`; a
rubric's ``kind:`` selects one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict

from grader.calls import CallOutcome, CallRecord, PlannedCall
from grader.judge.planning import plan_configs
from grader.values import as_array, describe

if TYPE_CHECKING:  # the rubric imports the kinds to validate itself, never the other way round
    from grader.rubric import Check, FunctionRubric

__all__ = ["CheckContext", "CheckKind", "CheckResult", "Case", "Verdict", "NoParams", "Outcome",
           "derive_seed", "summarise", "count_informative", "value_array"]

Outcome = Literal["passed", "failed", "error", "timeout"]


def derive_seed(*parts: object) -> int:
    """A 63-bit seed from its parts, e.g. (assignment, function, check, config, student).

    Public checks pass ``"public"`` instead of a student id, so everyone gets
    the same inputs; hidden checks pass the student id.
    """
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


@dataclass
class CheckResult:
    """The scored outcome of one check (the ``checks`` entries of a result document)."""

    name: str
    kind: str
    visibility: Literal["public", "hidden"]
    outcome: Outcome
    score: float
    max_score: float
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plot: str | None = None
    error_lineno: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the result document."""
        return asdict(self)


@dataclass
class CheckContext:
    """What a check kind may use: never anything of another student."""

    assignment: str
    student: str
    function: FunctionRubric
    check: Check
    reference: Callable[..., Any]
    describe_error: Callable[[CallOutcome], str]
    #: The course config's ``term`` salt, mixed into hidden checks' seeds only ("" = unsalted).
    term: str = ""

    def seed(self, index: int = 0) -> int:
        """Seed of config ``index``: shared for public checks, per student (and term, if set) for hidden ones."""
        if self.check.visibility == "public":
            return derive_seed(self.assignment, self.function.name, self.check.name, index, "public")
        parts = (self.assignment, self.function.name, self.check.name, index, self.student)
        return derive_seed(*parts, self.term) if self.term else derive_seed(*parts)

    def generator(self, index: int = 0) -> torch.Generator:
        """A ``torch.Generator`` seeded with :meth:`seed`."""
        g = torch.Generator()
        g.manual_seed(self.seed(index))
        return g

    def label(self, planned: PlannedCall, index: int) -> str:
        """How a case is named to the student (inputs hidden for hidden checks)."""
        if self.check.visibility == "public" and planned.label:
            return f"case {index + 1} ({planned.label})"
        return f"case {index + 1}"


@dataclass
class Case:
    """One scored case of a check: its calls, its place among the check's cases, its label.

    Attributes
    ----------
    index : int
        0-based position among the check's cases.
    count : int
        Number of cases of the check (statistical kinds split their
        false-failure budget over them).
    label : str
        How the case is named in messages ("case 2 (N=4, t=10)"); empty for
        a check with a single unnamed case.
    records : list of CallRecord
        Its calls (one for most kinds), each with a usable value.
    """

    index: int
    count: int
    label: str
    records: list[CallRecord]

    @property
    def record(self) -> CallRecord:
        """The first (usually only) call of the case."""
        return self.records[0]

    @property
    def args(self) -> dict[str, Any]:
        """The arguments of the first call."""
        return self.records[0].planned.args


@dataclass
class Verdict:
    """How one case came out, as a kind's :meth:`CheckKind.judge_case` reports it.

    Attributes
    ----------
    ok : bool
        Whether the case passes.
    messages : list of str
        Why it fails (the template prefixes the case label).
    notes : list of str
        Remarks that cost nothing (float32-level accuracy), shown once.
    trivial : str or None
        For a passed case, a trivial output (``"zero"``, ``"x_t handed back"``)
        that would pass it too: such a case counts only together with an
        informative one (:func:`count_informative`).
    plot : str or None
        An SVG shown with a failed check.
    """

    ok: bool
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trivial: str | None = None
    plot: str | None = None

    @classmethod
    def fail(cls, *messages: str, plot: str | None = None) -> Verdict:
        """A failed case with its message(s)."""
        return cls(False, list(messages), plot=plot)


class NoParams(BaseModel):
    """Rubric ``params`` of a kind that takes none: any key is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _prefix(label: str, message: str) -> str:
    return f"{label}: {message}" if label else message


class _Tally:
    """Per-case outcomes of one check, collected by :meth:`CheckKind.judge`."""

    def __init__(self) -> None:
        self.passed: list[tuple[int, str | None]] = []
        self.outcomes: list[Outcome] = []
        self.messages: list[str] = []
        self.notes: list[str] = []
        self.lineno: int | None = None
        self.plot: str | None = None

    def unusable(self, outcome: Outcome, message: str, record: CallRecord) -> None:
        """A case whose call gave no usable value; keeps the first student line of an error."""
        self.outcomes.append(outcome)
        self.messages.append(message)
        frames = (record.outcome.error or {}).get("frames") or []
        if frames and self.lineno is None:
            self.lineno = frames[-1].get("lineno")

    def verdict(self, case: Case, verdict: Verdict) -> None:
        """A judged case: counted if passed (with its trivial output), else its messages labelled."""
        self.notes.extend(verdict.notes)
        if verdict.ok:
            self.passed.append((case.index, verdict.trivial))
            self.outcomes.append("passed")
            return
        self.outcomes.append("failed")
        self.messages.extend(_prefix(case.label, m) for m in verdict.messages)
        self.plot = self.plot or verdict.plot


class CheckKind:
    """Base class of check kinds: planning from the case generator, and the per-case template.

    Attributes
    ----------
    needs_case : bool
        Whether the rubric must name a case generator.
    Params : type of pydantic.BaseModel
        The kind's rubric ``params``, validated when the rubric loads.
    """

    needs_case: ClassVar[bool] = True
    Params: ClassVar[type[BaseModel]] = NoParams

    def params(self, check: Check) -> Any:
        """The check's validated ``params`` (a :attr:`Params` instance).

        Raises
        ------
        pydantic.ValidationError
            On an unknown key or a value out of range.
        """
        return self.Params.model_validate(check.params)

    def validate(self, check: Check) -> None:
        """Refuse a rubric check this kind cannot judge soundly (called when the rubric loads).

        Raises
        ------
        pydantic.ValidationError
            If ``params`` does not fit :attr:`Params`.
        ValueError
            If the configs break a precondition of the kind.
        """
        self.params(check)

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """Draw the inputs of every call from the check's seed(s): one call per config."""
        return plan_configs(ctx)

    def cases(self, ctx: CheckContext, records: list[CallRecord]) -> list[list[CallRecord]]:
        """Group the records into scored cases: one call per case unless a kind says otherwise."""
        return [[r] for r in records]

    def case_label(self, ctx: CheckContext, records: list[CallRecord], index: int) -> str:
        """The label of case ``index`` (see :meth:`CheckContext.label`)."""
        return ctx.label(records[0].planned, index)

    def call_name(self, record: CallRecord) -> str:
        """How one call is named within a case of several calls ("M = 101"); empty by default."""
        return ""

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:  # pragma: no cover
        """Judge one case whose calls all returned usable values."""
        raise NotImplementedError

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Score the check: the template shared by every kind (module docstring)."""
        groups = self.cases(ctx, records)
        tally = _Tally()
        for i, group in enumerate(groups):
            label = self.case_label(ctx, group, i)
            bad = self._first_unusable(ctx, group)
            if bad is not None:
                outcome, message, record = bad
                tally.unusable(outcome, _prefix(label, message), record)
                continue
            case = Case(i, len(groups), label, group)
            tally.verdict(case, self.judge_case(ctx, case))
        count = count_informative(ctx, groups, tally.passed, tally.outcomes, tally.messages)
        return summarise(ctx, count, len(groups), tally.outcomes, tally.messages, tally.notes,
                         tally.lineno, tally.plot)

    def _first_unusable(self, ctx: CheckContext,
                        group: list[CallRecord]) -> tuple[Outcome, str, CallRecord] | None:
        for record in group:
            where = self.call_name(record)
            bad = self.failed_call(ctx, record)
            if bad is None and record.outcome.mutated:
                bad = ("failed", "modified its input(s) " + ", ".join(record.outcome.mutated)
                       + " in place; the contract forbids changing inputs.")
            if bad is not None:
                return bad[0], _prefix(where, bad[1]), record
        return None

    @staticmethod
    def failed_call(ctx: CheckContext, record: CallRecord) -> tuple[Outcome, str] | None:
        """If the call did not return a usable value: its outcome and message."""
        o = record.outcome
        if o.status == "timeout":
            return "timeout", o.timeout_message()
        if o.status in ("error", "crash"):
            return "error", ctx.describe_error(o)
        if record.decode_error:
            return "error", f"returned a value the grader cannot read: {record.decode_error}"
        return None


def summarise(ctx: CheckContext, passed: int, total: int, outcomes: list[Outcome],
              messages: list[str], notes: list[str], error_lineno: int | None = None,
              plot: str | None = None) -> CheckResult:
    """Score ``points * passed / total`` and pick the check's outcome.

    A plot is kept only for a check that did not pass.
    """
    points = ctx.check.points
    score = points * passed / total if total else 0.0
    if passed == total:
        outcome: Outcome = "passed"
    elif "failed" in outcomes:
        outcome = "failed"
    elif "timeout" in outcomes:
        outcome = "timeout"
    elif "error" in outcomes:
        outcome = "error"
    else:
        outcome = "failed"
    return CheckResult(ctx.check.name, ctx.check.kind, ctx.check.visibility, outcome,
                       round(score, 6), points, messages, sorted(set(notes)),
                       None if outcome == "passed" else plot, error_lineno)


def count_informative(ctx: CheckContext, cases: list[list[CallRecord]], passed: list[tuple[int, str | None]],
                      outcomes: list[Outcome], messages: list[str]) -> int:
    """How many passed cases count, given which of them a trivial output passes too.

    Parameters
    ----------
    ctx : CheckContext
    cases : list of list of CallRecord
        Every case of the check (its calls).
    passed : list of (int, str or None)
        Index of each passed case and, if a trivial output (zeros, an input
        handed back) would also pass it, a description of that output.
    outcomes, messages : list
        The check's per-case outcomes and messages, updated in place for the
        cases that do not count.

    Returns
    -------
    int
        ``len(passed)``, unless no passed case is informative while some case
        failed: then the degenerate passes do not count (contract: no
        point-carrying check is passed by a trivial output).
    """
    count = len(passed)
    if passed and count < len(cases) and all(trivial for _, trivial in passed):
        for i, trivial in passed:
            count -= 1
            outcomes[i] = "failed"
            messages.append(f"{ctx.label(cases[i][0].planned, i)}: right, but on these inputs a trivial "
                            f"output ({trivial}) is right too; it counts only together with a passed "
                            "case of this check that a trivial output does not pass.")
    return count


def value_array(record: CallRecord, shape: tuple[int, ...]) -> tuple[np.ndarray | None, str]:
    """The student's value as a float64 array of ``shape``, or why it cannot be one.

    Parameters
    ----------
    record : CallRecord
        A call that returned a usable value.
    shape : tuple of int
        The expected shape; a value of the same size whose non-unit
        dimensions match (``(N, 1)`` for ``(N,)``) is reshaped.

    Returns
    -------
    (numpy.ndarray or None, str)
        The array, or ``None`` and a sentence naming what was returned.
    """
    arr = as_array(record.value)
    if arr is None:
        return None, f"expected a tensor of shape {shape}, got {describe(record.value)}"
    data = arr.data
    if data.shape != shape:
        if data.size == int(np.prod(shape)) and tuple(n for n in data.shape if n != 1) == tuple(
                n for n in shape if n != 1):
            data = data.reshape(shape)
        else:
            return None, f"expected shape {shape}, got {tuple(data.shape)}"
    return data, ""
