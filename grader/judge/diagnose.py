"""Name the misconception behind a wrong function, from its outputs alone.

After a function loses credit, every known wrong variant of it
(:mod:`reference.misconceptions`) is run *in the grader* on the inputs of
every call the function's checks made (randomness is passed in, so every
call is deterministic, statistical ones included). A variant is named when it
reproduces every output the student returned (within the check's tolerance,
at least float32 accuracy) while the reference does not. Nothing here runs
student code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.judge.checks import CallRecord, CheckContext, materialise
from grader.judge.compare import compare
from grader.sandbox.codec import to_wire
from grader.values import decode_value
from reference.misconceptions import Misconception, for_function

__all__ = ["Evidence", "name_misconception"]

#: Smallest tolerances used for matching a variant (float32 students still match).
MATCH_RTOL = 1e-5
MATCH_ATOL = 1e-8


@dataclass
class Evidence:
    """The elementwise calls of one check and the context to judge them."""

    ctx: CheckContext
    records: list[CallRecord]


def _matches(variant: Misconception, evidence: list[Evidence]) -> bool:
    compared = 0
    for ev in evidence:
        rtol = max(ev.ctx.check.rtol, MATCH_RTOL)
        atol = max(ev.ctx.check.atol, MATCH_ATOL)
        for record in ev.records:
            if record.outcome.status != "ok" or record.decode_error:
                continue
            try:
                value = variant.impl(*materialise(record.planned.args))
                expected = decode_value(to_wire(value))
            except Exception:  # noqa: BLE001 - a variant may not apply to these inputs
                return False
            if not compare(expected, record.value, rtol=rtol, atol=atol,
                           names=ev.ctx.function.returns).ok:
                return False
            compared += 1
    return compared > 0


def name_misconception(assignment: str, function: str, evidence: list[Evidence]) -> dict[str, Any] | None:
    """The first catalogued misconception that explains every returned output.

    Parameters
    ----------
    assignment, function : str
        Which contract function.
    evidence : list of Evidence
        The function's checks with their recorded calls.

    Returns
    -------
    dict or None
        ``name``, ``title``, ``explanation``, ``reference`` of the
        misconception, or ``None`` if none matches.
    """
    for variant in for_function(assignment, function):
        if _matches(variant, evidence):
            return {"name": variant.name, "title": variant.title,
                    "explanation": variant.explanation, "reference": variant.reference}
    return None
