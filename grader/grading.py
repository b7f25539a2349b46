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
from dataclasses import dataclass, field
from typing import Any

import torch

import grader
from grader.calls import CallOutcome, CallRecord, CallRequest, SentCalls, record_of
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
from grader.planning import FunctionPlans, Planned, grader_error, prefetch
from grader.results import SCHEMA_VERSION
from grader.rubric import FunctionRubric, Rubric
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


def _requests(planned: list[tuple[CheckContext, Planned]], names: list[str],
              timeout: float | None) -> list[CallRequest]:
    return [CallRequest(ctx.function.name, wire, call.requires_grad, call.grad, ctx.check.timeout or timeout, names)
            for ctx, calls in planned for call, wire in calls]


def _records(sandbox: Sandbox, planned: list[tuple[CheckContext, Planned]], sent: SentCalls,
             stop: list[CallOutcome]) -> list[list[CallRecord]]:
    """The replies to calls sent by :meth:`~grader.execute.Sandbox.send_calls`, as records per check.

    A call that hangs or kills the sandbox ends the batch: it and every call
    after it, in this batch and later ones (``stop``), are recorded with
    that outcome and never retried.
    """
    outcomes = sandbox.receive_calls(sent)
    for outcome in outcomes:
        if outcome.status in ("timeout", "crash"):
            stop.append(outcome)
    if not stop and len(outcomes) < len(sent.timeouts):  # pragma: no cover - the child answers all or stops
        stop.append(CallOutcome("crash", error={"message": "the sandbox gave no reply"}))
    flat = iter(outcomes)
    return [[record_of(call, next(flat, None) or stop[0]) for call, _wire in calls] for _ctx, calls in planned]


def _run_batch(sandbox: Sandbox, planned: list[tuple[CheckContext, Planned]], names: list[str],
               timeout: float | None, stop: list[CallOutcome]) -> list[list[CallRecord]]:
    """Make the calls of several checks of one function in one message; the records per check."""
    sent = sandbox.send_calls(_requests(planned, names, timeout) if not stop else [])
    return _records(sandbox, planned, sent, stop)


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


def _judge(ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
    """Judge one check on its records; a failure of the grader is that check's grader error."""
    try:
        return forbid_mutation(CHECK_KINDS[ctx.check.kind].judge(ctx, records), records)
    except Exception as exc:  # noqa: BLE001
        return grader_error(ctx.check, exc)


@dataclass
class _Batch:
    """One function's calls, sent to the sandbox in one message; then their records."""

    fn: FunctionRubric
    names: list[str]  # the contract's parameter names
    contexts: list[CheckContext]
    planned: list[Planned | CheckResult]  # per check: its calls, or the grader error of its planning
    sent: SentCalls
    stop: list[CallOutcome] = field(default_factory=list)
    records: list[list[CallRecord]] = field(default_factory=list)  # per runnable check

    @property
    def runnable(self) -> list[tuple[CheckContext, Planned]]:
        """The checks whose calls were planned, with their calls (in the order they were sent)."""
        return _runnable(self.contexts, self.planned)


def _runnable(contexts: list[CheckContext], planned: list[Planned | CheckResult]) -> list[tuple[CheckContext, Planned]]:
    return [(ctx, plan) for ctx, plan in zip(contexts, planned) if isinstance(plan, list)]


def _send(sandbox: Sandbox, fn: FunctionRubric, plans: FunctionPlans, timeout: float | None) -> _Batch:
    names = list(inspect.signature(plans.rubric.reference_function(fn.name)).parameters)
    contexts, planned = plans.take(fn)
    sent = sandbox.send_calls(_requests(_runnable(contexts, planned), names, timeout))
    return _Batch(fn, names, contexts, planned, sent)


def _judge_function(batch: _Batch, describer: _Describer, reply: LoadReply) -> tuple[dict[str, Any], list[Evidence]]:
    """The item of a function whose records are in, and its evidence (misconception not yet named)."""
    fn = batch.fn
    feedback: list[str] = []
    student_params = reply.params.get(fn.name)
    if student_params is not None and student_params != batch.names:
        feedback.append(f"Parameter names {student_params} differ from the contract's {batch.names}; "
                        "arguments are passed by position (no penalty).")
    checks: list[CheckResult] = []
    evidence: list[Evidence] = []
    source = None
    recorded = iter(batch.records)
    for ctx, plan in zip(batch.contexts, batch.planned):
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
    return _item(fn, _status(fn, checks), feedback, checks, source), evidence


def _name(assignment: str, batch: _Batch, evidence: list[Evidence]) -> dict[str, Any] | None:
    try:
        return name_misconception(assignment, batch.fn.name, evidence)
    except Exception:  # noqa: BLE001 - naming is feedback: a bug in it must not cost a grade
        return None


def _grade_functions(sandbox: Sandbox, plans: FunctionPlans, describer: _Describer, reply: LoadReply,
                     timeout: float | None) -> dict[str, dict[str, Any]]:
    """The items of the functions the submission defines, graded in order, each function's calls in one message.

    The child never waits for grader work that does not decide its next
    calls: while it runs a function's calls the grader names the previous
    function's misconception (if it lost points), prefetches this one's
    references and plans the next one. A function that lost points has its
    first calls repeated (:func:`_repeat_first_call`) before the next
    function's calls are sent, so the calls are made in exactly the order
    of grading one function at a time, in one child where nothing crashed.
    """
    functions = plans.functions
    items: dict[str, dict[str, Any]] = {}
    batch = _send(sandbox, functions[0], plans, timeout) if functions else None
    while batch is not None:
        prefetch(batch.runnable)
        plans.ahead(batch.fn)
        batch.records = _records(sandbox, batch.runnable, batch.sent, batch.stop)
        item, evidence = _judge_function(batch, describer, reply)
        failed = item["status"] in ("failed", "partial") and bool(evidence)
        if failed:
            _repeat_first_call(sandbox, evidence, batch.names, timeout, batch.stop)
        at = len(items) + 1
        done, batch = batch, (_send(sandbox, functions[at], plans, timeout) if at < len(functions) else None)
        if failed:  # the child runs the next function's calls meanwhile
            item["misconception"] = _name(plans.sub.assignment, done, evidence)
        items[done.fn.name] = item
    return items


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
        plans = FunctionPlans(list(rubric.functions), rubric, sub, describer.outcome)
        reply = sandbox.load(plans.first)  # the first functions are planned while the child loads
        plans.keep(reply.defined)
        load_failure = reply.fatal
        for err in reply.errors:
            unit = err.get("unit", "module")
            prefix = f"Running {unit} raised " if unit != "module" else "Loading the module raised "
            doc["errors"].append(prefix + describer.error(err))
        if load_failure:
            doc["errors"].append(load_failure)
        graded = _grade_functions(sandbox, plans, describer, reply, None) if not load_failure else {}
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
                doc["items"].append(graded[fn.name])
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
