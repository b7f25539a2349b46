"""Function-level scoring rules applied after every check of a function is judged.

Public checks use the same inputs for everyone, and the problem set prints
some of their numbers, so a function that returns hard-coded answers (or any
value that ignores its inputs) could pass them. Their points therefore count
only when the same function also earns something on hidden inputs, which are
drawn per student (contract: "a point-carrying check is never passed by a
trivial output ... anything that ignores the inputs").
"""

from __future__ import annotations

import dataclasses

from grader.calls import CallRecord
from grader.judge.checks import CheckResult

__all__ = ["forbid_mutation", "require_hidden"]

HIDDEN_REQUIRED = ("public points withheld: a function earns its public points only when it also passes "
                   "at least one of its hidden checks (drawn per student, so that answers copied from the "
                   "problem set earn nothing), and this one passed none.")


def require_hidden(checks: list[CheckResult]) -> list[CheckResult]:
    """Withdraw public points from a function that passes no hidden check at all.

    Parameters
    ----------
    checks : list of CheckResult
        Every check of one function, judged.

    Returns
    -------
    list of CheckResult
        The same results; when the function has hidden checks and every one
        scored 0, each public check that scored is set to 0 with a message.
        A function without hidden checks (``grade check``, which runs public
        checks only) is unchanged.
    """
    hidden = [c for c in checks if c.visibility == "hidden"]
    if not hidden or any(c.score > 0 for c in hidden):
        return checks
    out = []
    for c in checks:
        if c.visibility == "public" and c.score > 0:
            c = dataclasses.replace(c, score=0.0, outcome="failed", messages=[HIDDEN_REQUIRED, *c.messages])
        out.append(c)
    return out


def forbid_mutation(result: CheckResult, records: list[CallRecord]) -> CheckResult:
    """No points from a check any of whose calls modified an input in place (contract, conventions).

    The per-case template (:meth:`grader.judge.checks.CheckKind.judge`)
    already fails each case whose call changed an input, in every kind; this
    rule goes one step further and withdraws the whole check's points, so a
    function that edits its inputs on one case earns nothing from the others.

    Parameters
    ----------
    result : CheckResult
        The judged check.
    records : list of CallRecord
        Its calls.

    Returns
    -------
    CheckResult
        ``result``, or a copy with score 0 and a message naming the inputs.
    """
    mutated = sorted({name for r in records if r.outcome.status == "ok" for name in r.outcome.mutated})
    if not mutated or result.score == 0:
        return result
    message = (f"modified its input(s) {', '.join(mutated)} in place; the contract forbids changing "
               "inputs, so this check earns nothing.")
    return dataclasses.replace(result, score=0.0, outcome="failed", messages=[message, *result.messages])
