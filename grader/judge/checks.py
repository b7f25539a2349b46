"""Check kinds: how a rubric check plans sandbox calls and judges their outputs.

Every kind is a pair of pure steps around the sandbox:

``plan(ctx) -> list[PlannedCall]``
    inputs drawn from ``ctx.seed`` (never reference answers);
``judge(ctx, records) -> CheckResult``
    runs in the grader on plain decoded values, computes whatever it needs
    from the reference implementation, and scores.

Kinds are registered by name in :data:`CHECK_KINDS` (like torchdiffeq's
``SOLVERS``); a rubric's ``kind:`` selects one.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import torch

from grader.calls import CallOutcome, CallRecord, PlannedCall
from grader.judge.compare import Float32Tier, compare
from grader.judge.trivial import trivial_match
from grader.rubric import Check, FunctionRubric
from grader.sandbox.codec import to_wire
from grader.sandbox.fixtures import build
from grader.sandbox.protocol import Fixture
from grader.values import Value, decode_value

__all__ = ["CHECK_KINDS", "CheckContext", "CheckKind", "CheckResult",
           "derive_seed", "materialise", "reference_value", "reference_value_float32",
           "float32_tier", "count_informative", "Elementwise", "time_shift"]

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

    def seed(self, index: int = 0) -> int:
        """Seed of config ``index``: shared for public checks, per student for hidden ones."""
        who = "public" if self.check.visibility == "public" else self.student
        return derive_seed(self.assignment, self.function.name, self.check.name, index, who)

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


def materialise(args: dict[str, Any]) -> list[Any]:
    """Positional arguments for the reference: tensors copied, fixtures built."""
    out = []
    for value in args.values():
        if isinstance(value, Fixture):
            out.append(build(value))
        else:
            out.append(copy.deepcopy(value))
    return out


def reference_value(ctx: CheckContext, planned: PlannedCall) -> Value:
    """The reference output for a planned call, normalised like a student's."""
    # autograd stays on: some references differentiate internally (exact traces, adjoints)
    result = ctx.reference(*materialise(planned.args))
    return decode_value(to_wire(result))


def _to_float32(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.to(torch.float32)
    if isinstance(value, torch.nn.Module):
        return value.to(torch.float32)
    if isinstance(value, dict):
        return {k: _to_float32(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
        return type(value)(_to_float32(v) for v in value)
    return value


def reference_value_float32(ctx: CheckContext, planned: PlannedCall) -> Value:
    """The reference output with every floating argument cast to float32, normalised.

    An estimate of how far a correct computation done in float32 lands from
    float64 on these inputs (the problem's conditioning), used by the
    float32 tier of the comparison (:class:`grader.judge.compare.Float32Tier`).

    Returns
    -------
    Value
        ``None`` when the reference cannot run in float32 (a fixture that
        insists on float64, integer arithmetic): the tier then uses its
        fixed tolerances only.
    """
    try:
        args = [_to_float32(a) for a in materialise(planned.args)]
        result = ctx.reference(*args)  # autograd on, as in reference_value
        return decode_value(to_wire(result))
    except Exception:  # noqa: BLE001 - a reference may refuse float32 inputs
        return None


def float32_tier(ctx: CheckContext, planned: PlannedCall | None) -> Float32Tier | None:
    """The float32 tier of a check's comparison on one planned call (None if the check is exact).

    With ``planned``, the tier's conditioning term comes from the reference
    run in float32 on that call's inputs (:func:`reference_value_float32`);
    without, for kinds whose expected value is not the reference's output
    (gradients, exact posterior means), only the fixed tolerances apply.
    """
    check = ctx.check
    if not check.float32:
        return None
    tier = Float32Tier(reference32=None if planned is None else (lambda: reference_value_float32(ctx, planned)))
    if check.float32_rtol is not None:
        tier = dataclasses.replace(tier, rtol=check.float32_rtol)
    if check.float32_atol is not None:
        tier = dataclasses.replace(tier, atol=check.float32_atol)
    return tier


def _describe_args(args: dict[str, Any]) -> str:
    parts = []
    for k, v in args.items():
        if isinstance(v, torch.Tensor):
            if v.ndim == 0 or v.numel() == 1:
                parts.append(f"{k}={v.item():.4g}")
            elif not v.is_floating_point() and v.numel() <= 8:
                parts.append(f"{k}={v.tolist()}")
            else:
                parts.append(f"{k}: {tuple(v.shape)}")
        elif isinstance(v, (int, float)):
            parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    return ", ".join(parts)


def time_shift(ctx: CheckContext, record: CallRecord) -> str | None:
    """If the output equals the reference at t - 1 or t + 1, say so (an off-by-one in time).

    Applies to functions with an argument named ``t`` holding integer steps
    (a Python int or an int64 tensor); shifts that leave 1..T are skipped.
    """
    t = record.planned.args.get("t")
    integer = isinstance(t, int) or (isinstance(t, torch.Tensor) and not t.is_floating_point())
    if not integer or t is None or record.value is None:
        return None
    for step in (-1, 1):
        args = dict(record.planned.args, t=t + step)
        try:
            shifted = reference_value(ctx, PlannedCall(args))
        except Exception:  # noqa: BLE001 - outside 1..T
            continue
        if compare(shifted, record.value, rtol=max(ctx.check.rtol, 1e-6), atol=max(ctx.check.atol, 1e-9),
                   names=ctx.function.returns).ok:
            sign = "-" if step < 0 else "+"
            return (f"The output equals the correct formula evaluated at t {sign} 1: an off-by-one "
                    "in the time index.")
    return None


class CheckKind:
    """Base class of check kinds.

    Attributes
    ----------
    needs_case : bool
        Whether the rubric must name a case generator.
    """

    needs_case = True

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """Draw the inputs of every call from the check's seed(s)."""
        from grader.cases import generate

        calls = []
        for i, config in enumerate(ctx.check.configs):
            args = generate(ctx.check.case or ctx.function.name, ctx.generator(i), config)
            calls.append(PlannedCall(args, _describe_args(args)))
        return calls

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:  # pragma: no cover
        """Score the check from the recorded calls."""
        raise NotImplementedError

    # -- helpers shared by kinds -------------------------------------------------
    @staticmethod
    def failed_call(ctx: CheckContext, record: CallRecord) -> tuple[Outcome, str] | None:
        """If the call did not return a usable value: its outcome and message."""
        o = record.outcome
        if o.status == "timeout":
            return "timeout", (f"did not finish within the time limit ({o.seconds:g} s); "
                               "an infinite loop or far too slow?")
        if o.status in ("error", "crash"):
            return "error", ctx.describe_error(o)
        if record.decode_error:
            return "error", f"returned a value the grader cannot read: {record.decode_error}"
        return None


def summarise(ctx: CheckContext, passed: int, total: int, outcomes: list[Outcome],
              messages: list[str], notes: list[str], error_lineno: int | None = None,
              plot: str | None = None) -> CheckResult:
    """Score ``points * passed / total`` and pick the check's outcome."""
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
                       round(score, 6), points, messages, sorted(set(notes)), plot, error_lineno)


class Elementwise(CheckKind):
    """Compare every output with the reference on seeded inputs (one call per config).

    A case on which a trivial output (zeros, ones, an input handed back) is
    already right counts only together with a passed informative case of the
    same check (:func:`grader.judge.trivial.trivial_match`; contract:
    no point-carrying check is passed by a trivial output).
    """

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Pass a case when every output component is within the float64 or the float32 tier."""
        passed: list[tuple[int, str | None]] = []  # (case index, trivial output that is also right)
        outcomes: list[Outcome] = []
        messages: list[str] = []
        notes: list[str] = []
        lineno = None
        for i, record in enumerate(records):
            label = ctx.label(record.planned, i)
            bad = self.failed_call(ctx, record)
            if bad is not None:
                outcomes.append(bad[0])
                messages.append(f"{label}: {bad[1]}")
                frames = (record.outcome.error or {}).get("frames") or []
                if frames and lineno is None:
                    lineno = frames[-1].get("lineno")
                continue
            expected = reference_value(ctx, record.planned)
            result = compare(expected, record.value, rtol=ctx.check.rtol, atol=ctx.check.atol,
                             names=ctx.function.returns, float32=float32_tier(ctx, record.planned))
            notes.extend(result.notes)
            if record.outcome.mutated:
                result.fail("modified its input(s) " + ", ".join(record.outcome.mutated)
                            + " in place; the contract forbids changing inputs.")
            if result.ok:
                passed.append((i, trivial_match(expected, record.planned.args)))
                outcomes.append("passed")
            else:
                outcomes.append("failed")
                shift = time_shift(ctx, record)
                if shift:
                    result.messages.append(shift)
                messages.extend(f"{label}: {m}" for m in result.messages)
        count = count_informative(ctx, records, passed, outcomes, messages)
        return summarise(ctx, count, len(records), outcomes, messages, notes, lineno)


def count_informative(ctx: CheckContext, records: list[CallRecord], passed: list[tuple[int, str | None]],
                      outcomes: list[Outcome], messages: list[str]) -> int:
    """How many passed cases count, given which of them a trivial output passes too.

    Parameters
    ----------
    ctx : CheckContext
    records : list of CallRecord
        Every case of the check.
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
    if passed and count < len(records) and all(trivial for _, trivial in passed):
        for i, trivial in passed:
            count -= 1
            outcomes[i] = "failed"
            messages.append(f"{ctx.label(records[i].planned, i)}: right, but on these inputs a trivial "
                            f"output ({trivial}) is right too; it counts only together with a passed "
                            "case of this check that a trivial output does not pass.")
    return count


class _Registry(dict[str, CheckKind]):
    """A dict that imports the modules defining check kinds on first use.

    Lazy so that any of those modules can be imported first without a cycle.
    """

    _modules = ("statistical", "kinds_foundations", "kinds_objectives", "kinds_preference")

    def _ensure(self) -> None:
        if getattr(self, "_loaded", False):
            return
        self._loaded = True
        import importlib

        for name in self._modules:
            module = importlib.import_module(f"grader.judge.{name}")
            clash = set(dict.keys(self)) & set(module.KINDS)
            if clash:  # pragma: no cover - a programming error
                raise RuntimeError(f"check kinds defined twice: {sorted(clash)}")
            dict.update(self, module.KINDS)

    def __getitem__(self, key: str) -> CheckKind:
        self._ensure()
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        self._ensure()
        return dict.__contains__(self, key)

    def __iter__(self):  # type: ignore[no-untyped-def]
        self._ensure()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._ensure()
        return dict.__len__(self)

    def keys(self):  # type: ignore[no-untyped-def]
        self._ensure()
        return dict.keys(self)

    def items(self):  # type: ignore[no-untyped-def]
        self._ensure()
        return dict.items(self)


#: Registry of check kinds: name -> kind (statistical and per-assignment kinds load lazily).
CHECK_KINDS: dict[str, CheckKind] = _Registry({"elementwise": Elementwise()})
