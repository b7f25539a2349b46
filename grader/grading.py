"""Grade one submission: load it, call its functions in a sandbox, judge them, build its document.

:func:`grade_submission` runs one submission in one sandbox (a fresh one
after a hang or a crash) and returns its result document (the JSON object
described by :class:`grader.results.ResultDocument`). Nothing the student
did makes it raise, and neither does a failure of the grader on one check:
that check gets the outcome ``error`` with a message starting with
:data:`GRADER_BUG`, and the other checks and students are graded.
:mod:`grader.pipeline` grades a class with it.
"""

from __future__ import annotations

import datetime as _dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

import grader
from grader.calls import CallOutcome, CallRecord, CallRequest, PlannedCall, record_of
from grader.closer import closed_later
from grader.discover import Submission
from grader.errors import GRADER_BUG, LoadError
from grader.execute import LoadReply, Sandbox
from grader.isolation import detect
from grader.judge.checks import CheckContext, CheckResult
from grader.judge.diagnose import Evidence, name_misconception
from grader.judge.kinds import CHECK_KINDS
from grader.judge.scoring import forbid_mutation, require_hidden
from grader.limits import Limits
from grader.load import LoadedSource, load_source
from grader.manual import manual_entry
from grader.results import SCHEMA_VERSION
from grader.rubric import Check, FunctionRubric, Rubric
from grader.sandbox.codec import to_wire
from grader.sandbox.forkserver import fallback_reason

__all__ = ["GRADER_BUG", "grade_submission"]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _base_document(sub: Submission, rubric: Rubric) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "student": sub.student,
        "assignment": sub.assignment,
        "score": 0.0,
        "max_score": rubric.max_score,
        "submission_sha256": sub.sha256,
        "submission_path": sub.rel_path,
        "submission_kind": sub.kind,
        "rubric_sha256": rubric.sha256,
        "graded_at": _now(),
        "grader_version": grader.__version__,
        "errors": [],
        "notes": [],
        "stdout": "",
        "items": [],
        "manual": [manual_entry(m) for m in rubric.manual],
    }


def _item(fn: FunctionRubric, status: str, feedback: list[str], checks: list[CheckResult] | None = None,
          source: dict[str, str] | None = None) -> dict[str, Any]:
    checks = checks or []
    score = round(sum(c.score for c in checks), 6)
    return {"function": fn.name, "score": score, "max_score": fn.points, "status": status,
            "feedback": feedback, "misconception": None, "source": source,
            "checks": [c.to_json() for c in checks]}


def _unscored(fn: FunctionRubric, outcome: str, message: str) -> list[CheckResult]:
    return [CheckResult(c.name, c.kind, c.visibility, outcome, 0.0, c.points, [message])  # type: ignore[arg-type]
            for c in fn.checks]


@dataclass
class _Describer:
    """Formats sandbox errors with the student's own source line."""

    loaded: LoadedSource

    def where(self, lineno: int | None) -> dict[str, str] | None:
        if not lineno:
            return None
        text = self.loaded.line_text(int(lineno))
        return {"location": self.loaded.location(int(lineno)), "text": (text or "").strip()[:300]}

    def error(self, err: dict[str, Any]) -> str:
        etype = str(err.get("type") or "Error")
        message = str(err.get("message") or "").strip()
        head = f"{etype}: {message}" if message else etype
        frames = err.get("frames") or []
        if frames:
            last = frames[-1]
            where = self.where(last.get("lineno"))
            if where:
                fn = last.get("name")
                inside = f" in {fn}()" if fn and fn != "<module>" else ""
                head += f" ({where['location']}{inside}: {where['text']})"
        return head

    def outcome(self, o: CallOutcome) -> str:
        if o.status == "crash":
            return str((o.error or {}).get("message", "the sandbox process died"))
        return "raised " + self.error(o.error or {})


def _load_request(loaded: LoadedSource, rubric: Rubric, sub: Submission) -> dict[str, Any]:
    return {"filename": f"<{sub.source.name if sub.source else 'submission'}>",
            "units": [{"source": u.source, "first_line": u.first_line, "label": u.label}
                      for u in loaded.units],
            "functions": rubric.function_names}


#: A check's planned calls, each with its arguments encoded for the wire.
Planned = list[tuple[PlannedCall, list[Any]]]


def _prefetch(planned: list[tuple[CheckContext, Planned]]) -> None:
    """What the judge will need of these calls, computed while the sandbox runs them.

    A kind with a ``prefetch(ctx, calls)`` method (the elementwise kind:
    the reference's outputs) computes them here and keeps them on the
    planned calls (:attr:`grader.calls.PlannedCall.expected`); a failure is
    ignored, since the judge then computes the value itself and reports it.
    """
    for ctx, calls in planned:
        prefetch = getattr(CHECK_KINDS[ctx.check.kind], "prefetch", None)
        if prefetch is None:
            continue
        try:
            prefetch(ctx, [call for call, _wire in calls])
        except Exception:  # noqa: BLE001, S112 - the judge computes it again and reports any failure
            continue


def _run_batch(sandbox: Sandbox, planned: list[tuple[CheckContext, Planned]], names: list[str],
               timeout: float | None, stop: list[CallOutcome],
               also: Callable[[], None] | None = None) -> list[list[CallRecord]]:
    """Make the calls of several checks of one function in one message; the records per check.

    A call that hangs or kills the sandbox ends the batch: it and every call
    after it, in this batch and later ones (``stop``), are recorded with
    that outcome and never retried. While the sandbox runs them the grader
    prefetches what the judge will need, then does ``also`` (plans the next
    function's calls).
    """
    requests = [CallRequest(ctx.function.name, wire, call.requires_grad, call.grad,
                            ctx.check.timeout or timeout, names)
                for ctx, calls in planned for call, wire in calls] if not stop else []

    def meanwhile() -> None:
        _prefetch(planned)
        if also is not None:
            also()
    outcomes = sandbox.call_many(requests, meanwhile)
    for outcome in outcomes:
        if outcome.status in ("timeout", "crash"):
            stop.append(outcome)
    if not stop and len(outcomes) < len(requests):  # pragma: no cover - call_many answers every call or stops
        stop.append(CallOutcome("crash", error={"message": "the sandbox gave no reply"}))
    flat = iter(outcomes)
    return [[record_of(call, next(flat, None) or stop[0]) for call, _wire in calls] for _ctx, calls in planned]


def _status(fn: FunctionRubric, checks: list[CheckResult]) -> str:
    score = sum(c.score for c in checks)
    outcomes = {c.outcome for c in checks}
    if abs(score - fn.points) < 1e-9:
        return "passed"
    if "timeout" in outcomes:
        return "timeout"
    if score == 0 and outcomes <= {"error", "timeout"}:
        return "error"
    return "failed" if score == 0 else "partial"


def _grader_error(check: Check, exc: Exception) -> CheckResult:
    """The result of a check the grader itself failed on: outcome ``error``, no points."""
    return CheckResult(check.name, check.kind, check.visibility, "error", 0.0, check.points,
                       [f"{GRADER_BUG}: {type(exc).__name__}: {exc}"])


#: The planned calls of public checks, by check: their inputs are the same for every student (seeded
#: "public", :meth:`~grader.judge.checks.CheckContext.seed`), so each is planned and encoded once per
#: process and its planned calls (with the reference outputs kept on them) are shared.
_PUBLIC_PLANS: dict[int, tuple[Check, Planned]] = {}


def _plan(ctx: CheckContext) -> Planned | CheckResult:
    """A check's planned and encoded calls, or its grader error when planning fails (it must not stop the class)."""
    public = ctx.check.visibility == "public"
    known = _PUBLIC_PLANS.get(id(ctx.check)) if public else None
    if known is not None and known[0] is ctx.check:
        return known[1]
    try:
        planned = [(call, [to_wire(v) for v in call.args.values()]) for call in CHECK_KINDS[ctx.check.kind].plan(ctx)]
    except Exception as exc:  # noqa: BLE001 - a grader bug must not stop the class
        return _grader_error(ctx.check, exc)
    if public:
        _PUBLIC_PLANS[id(ctx.check)] = (ctx.check, planned)  # the check is kept, so its id is never reused
    return planned


def _judge(ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
    """Judge one check on its records; a failure of the grader is that check's grader error."""
    try:
        return forbid_mutation(CHECK_KINDS[ctx.check.kind].judge(ctx, records), records)
    except Exception as exc:  # noqa: BLE001
        return _grader_error(ctx.check, exc)


@dataclass
class _Plans:
    """The planned calls of the functions a submission defines, each planned once, the next one ahead.

    Planning (drawing a student's hidden inputs, encoding them) does not
    depend on any call's result, so :meth:`ahead` plans the next function
    while the sandbox runs this one's calls; the calls themselves are made
    in the same order as without it.
    """

    functions: list[FunctionRubric]
    rubric: Rubric
    sub: Submission
    describer: _Describer
    done: dict[str, tuple[list[CheckContext], list[Planned | CheckResult]]] = field(default_factory=dict)

    def _make(self, fn: FunctionRubric) -> tuple[list[CheckContext], list[Planned | CheckResult]]:
        reference = self.rubric.reference_function(fn.name)
        contexts = [CheckContext(self.sub.assignment, self.sub.student, fn, check, reference,
                                 self.describer.outcome, self.rubric.term) for check in fn.checks]
        return contexts, [_plan(ctx) for ctx in contexts]

    def take(self, fn: FunctionRubric) -> tuple[list[CheckContext], list[Planned | CheckResult]]:
        """The contexts and plans of ``fn``'s checks (planned now unless planned ahead)."""
        return self.done.pop(fn.name, None) or self._make(fn)

    def ahead(self, fn: FunctionRubric) -> None:
        """Plan the function after ``fn``, if any."""
        names = [f.name for f in self.functions]
        at = names.index(fn.name) + 1 if fn.name in names else len(names)
        if at < len(names) and names[at] not in self.done:
            self.done[names[at]] = self._make(self.functions[at])


def _grade_function(sandbox: Sandbox, fn: FunctionRubric, rubric: Rubric, plans: _Plans,
                    describer: _Describer, reply: LoadReply, timeout: float | None) -> dict[str, Any]:
    reference = rubric.reference_function(fn.name)
    names = list(inspect.signature(reference).parameters)
    feedback: list[str] = []
    student_params = reply.params.get(fn.name)
    if student_params is not None and student_params != names:
        feedback.append(f"Parameter names {student_params} differ from the contract's {names}; "
                        "arguments are passed by position (no penalty).")
    checks: list[CheckResult] = []
    evidence: list[Evidence] = []
    stop: list[CallOutcome] = []
    source = None
    contexts, planned = plans.take(fn)
    runnable = [(ctx, plan) for ctx, plan in zip(contexts, planned) if isinstance(plan, list)]
    recorded = iter(_run_batch(sandbox, runnable, names, timeout, stop,  # the whole function in one message
                               lambda: plans.ahead(fn)))
    for ctx, plan in zip(contexts, planned):
        if isinstance(plan, CheckResult):
            checks.append(plan)
            continue
        records = next(recorded)
        result = _judge(ctx, records)
        checks.append(result)
        evidence.append(Evidence(ctx, records))  # every call is deterministic: all are evidence
        if source is None and result.error_lineno:
            source = describer.where(result.error_lineno)
    checks = require_hidden(checks)
    for c in checks:
        if c.outcome != "passed":
            feedback.extend(f"{c.name}: {m}" for m in c.messages[:1])
    feedback.extend(dict.fromkeys(n for c in checks for n in c.notes))
    item = _item(fn, _status(fn, checks), feedback, checks, source)
    if item["status"] in ("failed", "partial") and evidence:
        _repeat_first_call(sandbox, evidence, names, timeout, stop)
        try:
            item["misconception"] = name_misconception(plans.sub.assignment, fn.name, evidence)
        except Exception:  # noqa: BLE001 - naming is feedback: a bug in it must not cost a grade
            item["misconception"] = None
    return item


def _repeat_first_call(sandbox: Sandbox, evidence: list[Evidence], names: list[str],
                       timeout: float | None, stop: list[CallOutcome]) -> None:
    """Repeat the first successful call of each elementwise check: different outputs mean own randomness.

    One call per check, because the first case of one check may not use
    randomness at all (sigma = 0, t = 0).
    """
    for ev in evidence:
        if ev.ctx.check.kind != "elementwise":
            continue
        record = next((r for r in ev.records if r.outcome.status == "ok" and not r.decode_error), None)
        if record is None or stop:
            continue
        wire = [to_wire(v) for v in record.planned.args.values()]
        again = _run_batch(sandbox, [(ev.ctx, [(record.planned, wire)])], names, timeout, stop)[0]
        ev.repeat.append((record, again[0]))


def _one_torch_thread() -> None:
    """Keep the grader's own tensor work (hidden inputs, references, comparisons) on the calling thread.

    Its tensors are small (hw2's largest has 4e4 elements): torch's intra-op
    pool only spin-waits on the cores the sandbox children and the other
    worker need (``grade run`` of 44 hw2 submissions on 2 CPUs, 1 worker:
    17.0 / 15.5 s before, 15.0 / 15.0 s with this; 2 workers 17.2 / 15.8 s).
    OpenMP's thread count is per thread: each worker thread sets it once.
    """
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def grade_submission(sub: Submission, rubric: Rubric, limits: Limits) -> dict[str, Any]:
    """Grade one submission against its rubric.

    Parameters
    ----------
    sub : Submission
        What to grade.
    rubric : Rubric
        The assignment's rubric.
    limits : Limits
        Sandbox limits.

    Returns
    -------
    dict
        The result document (see the README's schema). A broken submission
        gives a document with ``errors`` and zero scores; this function does
        not raise for anything the student did.
    """
    _one_torch_thread()
    doc = _base_document(sub, rubric)
    if sub.error or sub.source is None:
        message = sub.error or "no source file"
        doc["errors"].append(message)
        doc["items"] = [_item(fn, "error", [message], _unscored(fn, "error", message))
                        for fn in rubric.functions]
        return doc
    try:
        loaded = load_source(sub.source)
    except LoadError as exc:
        doc["errors"].append(str(exc))
        doc["items"] = [_item(fn, "error", [str(exc)], _unscored(fn, "error", str(exc)))
                        for fn in rubric.functions]
        return doc
    doc["notes"].extend(loaded.notes)
    doc["notes"].extend(f"Sandbox: {m}." for m in detect(limits.isolation).missing)
    describer = _Describer(loaded)
    with closed_later(Sandbox(_load_request(loaded, rubric, sub), limits)) as sandbox:  # clean-up off the path
        reply = sandbox.load()
        load_failure = reply.fatal
        for err in reply.errors:
            unit = err.get("unit", "module")
            prefix = f"Running {unit} raised " if unit != "module" else "Loading the module raised "
            doc["errors"].append(prefix + describer.error(err))
        if load_failure:
            doc["errors"].append(load_failure)
        plans = _Plans([f for f in rubric.functions if f.name in reply.defined], rubric, sub, describer)
        for fn in rubric.functions:
            if load_failure:
                doc["items"].append(_item(fn, "error", [load_failure],
                                          _unscored(fn, "error", load_failure)))
            elif fn.name not in reply.defined:
                if reply.errors:
                    why = (f"{fn.name} is not defined: loading stopped at an error "
                           f"({describer.error(reply.errors[0])}).")
                    frames = reply.errors[0].get("frames") or [{}]
                    doc["items"].append(_item(fn, "error", [why], _unscored(fn, "error", why),
                                              describer.where(frames[-1].get("lineno"))))
                else:
                    why = f"No function named {fn.name} was found in the submission."
                    doc["items"].append(_item(fn, "missing", [why], _unscored(fn, "error", why)))
            else:
                doc["items"].append(_grade_function(sandbox, fn, rubric, plans, describer, reply, None))
        doc["stdout"] = sandbox.stdout
        if sandbox.starts > 1:
            doc["notes"].append(f"The sandbox was restarted {sandbox.starts - 1} time(s) after a "
                                "hang or a crash; only the affected function lost credit.")
        if limits.fork_server and not sandbox.forking:
            doc["notes"].append(f"Sandbox: the fork server was not used ({fallback_reason()}); "
                                "this submission ran in a process of its own, with the same limits.")
    doc["score"] = round(sum(i["score"] for i in doc["items"]), 6)
    if any(m.startswith(GRADER_BUG) for i in doc["items"] for c in i["checks"] for m in c["messages"]):
        doc["errors"].append(GRADER_BUG + ": see the checks marked error below.")
    return doc
