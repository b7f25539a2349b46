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

from grader.judge.checks import CheckResult

__all__ = ["require_hidden"]

HIDDEN_REQUIRED = ("public checks count only when the function also passes hidden inputs, and it "
                   "passed none: an answer that does not depend on the inputs earns nothing.")


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
