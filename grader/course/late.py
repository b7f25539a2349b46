"""Due dates and late work: how late a submission is and what it costs.

A :class:`LatePolicy` holds one assignment's due date and rules; :func:`assess`
measures one submission against it (with the student's extension from the
roster) and :func:`apply_penalty` turns the assessment into points.

Glossary
--------
=====================  =======================================================
name                   meaning
=====================  =======================================================
``due``                the assignment's due date (time-zone aware)
student's due          ``due + extension_hours`` (extension from the roster)
``grace_minutes``      minutes after the student's due that still count as on
                       time (late_by_hours is 0 inside them)
``late_by_hours``      hours from the *student's due* (not from the end of
                       grace) to ``submitted_at``; 0 when on time
``per_day``            fraction of the raw score lost per *started* 24 h late
``cap``                the largest fraction lost under ``per_day``
``cutoff``             after ``cutoff + extension_hours`` the score is 0
``penalty_fraction``   fraction (0..1) of the raw score removed
=====================  =======================================================

Policies
--------
``none``
    Lateness is measured and recorded, never penalised.
``per_day``
    ``penalty_fraction = min(cap, per_day * ceil(late_by_hours / 24))``; if a
    ``cutoff`` is set, everything is lost after it.
``zero_after``
    No penalty up to the cutoff (default ``due + grace``), everything lost
    after it.

A submission whose time is unknown (``submitted_at=None``) is never late; its
note says so. Every comparison is inclusive on the student's side: a
submission exactly at the due date, exactly at the end of grace or exactly at
the cutoff is not penalised for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import pydantic
from pydantic import AwareDatetime, ConfigDict, Field

__all__ = ["LatePolicy", "LateAssessment", "assess", "apply_penalty"]

_DAY = timedelta(days=1)


class LatePolicy(pydantic.BaseModel):
    """One assignment's due date and late-work rules (validated, frozen).

    Attributes
    ----------
    due : datetime
        Due date; must carry a time zone (ISO 8601 with an offset, e.g.
        ``2026-10-01T23:59:00-04:00``). A naive datetime is a validation
        error naming ``due``.
    grace_minutes : float
        Minutes (>= 0) after the student's due that still count as on time.
    policy : {'none', 'per_day', 'zero_after'}
        How lateness is penalised (see the module docstring).
    per_day : float
        Fraction (0..1] of the raw score lost per started 24 h late; only
        with ``policy='per_day'``, where it is required (> 0).
    cap : float
        Largest fraction (0..1) lost under ``per_day``; only with
        ``policy='per_day'``.
    cutoff : datetime or None
        Time-zone aware, not before ``due``. Under ``zero_after`` the score is
        0 after it (default ``due + grace``); under ``per_day`` the score is 0
        after it if set; not allowed under ``none``. Extensions shift it.

    Raises
    ------
    pydantic.ValidationError
        On a naive datetime, a value out of range, ``per_day``/``cap`` set
        for another policy, ``cutoff`` under ``none`` or before ``due``, or an
        unknown field.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    due: AwareDatetime
    grace_minutes: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    policy: Literal["none", "per_day", "zero_after"] = "none"
    per_day: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    cap: float = Field(default=1.0, ge=0, le=1, allow_inf_nan=False)
    cutoff: AwareDatetime | None = None

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> LatePolicy:
        if self.policy == "per_day" and self.per_day <= 0:
            raise ValueError("policy 'per_day' needs per_day > 0 (the fraction lost per started day late)")
        if self.policy != "per_day" and self.per_day != 0:
            raise ValueError(f"per_day={self.per_day} is only used with policy 'per_day', not {self.policy!r}")
        if self.policy != "per_day" and self.cap != 1.0:
            raise ValueError(f"cap={self.cap} is only used with policy 'per_day', not {self.policy!r}")
        if self.cutoff is not None:
            if self.policy == "none":
                raise ValueError("cutoff is not used with policy 'none' (lateness is never penalised)")
            if self.cutoff < self.due:
                raise ValueError(f"cutoff {self.cutoff.isoformat()} is before due {self.due.isoformat()}")
        return self


@dataclass(frozen=True)
class LateAssessment:
    """How late one submission was and the fraction of its score it loses.

    Attributes
    ----------
    submitted_at : datetime or None
        When the submission was made; None if unknown.
    late_by_hours : float
        Hours after the student's due (due + extension); 0 if on time or
        inside grace.
    penalty_fraction : float
        Fraction (0..1) of the raw score removed.
    note : str
        One sentence for the report; "" when on time.
    due : datetime or None
        The student's due (due + extension); None without a policy.
    """

    submitted_at: datetime | None
    late_by_hours: float
    penalty_fraction: float
    note: str
    due: datetime | None = None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600.0


def _started_days(delta: timedelta) -> int:
    """Number of started 24 h periods in a positive ``delta`` (exact integers)."""
    microseconds = delta // timedelta(microseconds=1)
    day = _DAY // timedelta(microseconds=1)
    return -(-microseconds // day)


def _fmt_hours(hours: float) -> str:
    return f"{hours:.2f}".rstrip("0").rstrip(".") + " h"


def _fmt_duration(delta: timedelta) -> str:
    """``delta`` as "26 h 30 min", "24 h 1 s": whole units, seconds rounded up (a started second counts)."""
    seconds = math.ceil(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (seconds, "s")) if n]
    return " ".join(parts) or "0 s"


def assess(policy: LatePolicy | None, submitted_at: datetime | None, extension_hours: float = 0.0) -> LateAssessment:
    """Measure one submission's lateness under ``policy``.

    Parameters
    ----------
    policy : LatePolicy or None
        The assignment's rules; None means no due date (never late).
    submitted_at : datetime or None
        Time-zone aware submission time; None if unknown (never late; the
        note says the time is unknown).
    extension_hours : float, optional
        Hours (>= 0) added to the due date and the cutoff for this student.

    Returns
    -------
    LateAssessment
        ``late_by_hours`` from the student's due, the penalty fraction and a
        one-sentence note ("" when on time).

    Raises
    ------
    ValueError
        If ``submitted_at`` is naive or ``extension_hours`` is negative or
        not finite.
    """
    if not math.isfinite(extension_hours) or extension_hours < 0:
        raise ValueError(f"extension_hours must be a finite number >= 0, got {extension_hours!r}")
    if submitted_at is not None and submitted_at.utcoffset() is None:
        raise ValueError(f"submitted_at must carry a time zone, got naive {submitted_at.isoformat()}")
    if policy is None:
        return LateAssessment(submitted_at, 0.0, 0.0, "")
    extension = timedelta(hours=extension_hours)
    student_due = policy.due + extension
    if submitted_at is None:
        note = "The submission time is unknown, so it was treated as on time."
        return LateAssessment(None, 0.0, 0.0, note, student_due)
    grace = timedelta(minutes=policy.grace_minutes)
    delta = submitted_at - student_due
    cutoff = policy.cutoff + extension if policy.cutoff is not None else None
    if policy.policy == "zero_after" and cutoff is None:
        cutoff = student_due + grace
    if delta <= grace:
        return LateAssessment(submitted_at, 0.0, 0.0, "", student_due)
    late_by_hours = _hours(delta)
    late = f"Submitted {_fmt_duration(delta)} after the due date {student_due.isoformat()}"
    if extension_hours:
        late += f" (extension of {_fmt_hours(extension_hours)} included)"
    if cutoff is not None and submitted_at > cutoff:
        note = f"{late}, after the cutoff {cutoff.isoformat()}: the whole score is lost."
        return LateAssessment(submitted_at, late_by_hours, 1.0, note, student_due)
    if policy.policy == "none":
        note = f"{late}; this assignment has no late penalty."
        return LateAssessment(submitted_at, late_by_hours, 0.0, note, student_due)
    if policy.policy == "zero_after":
        note = f"{late}, before the cutoff: no penalty."
        return LateAssessment(submitted_at, late_by_hours, 0.0, note, student_due)
    days = _started_days(delta)
    fraction = min(policy.cap, policy.per_day * days)
    capped = " (the cap)" if fraction == policy.cap and policy.per_day * days > policy.cap else ""
    note = (
        f"{late}: {days} started day{'s' if days != 1 else ''} at {policy.per_day:.0%} per day,"
        f" so {fraction:.0%}{capped} of the raw score is removed."
    )
    return LateAssessment(submitted_at, late_by_hours, fraction, note, student_due)


def apply_penalty(raw_score: float, assessment: LateAssessment) -> tuple[float, float]:
    """Remove the late penalty from a raw score.

    Parameters
    ----------
    raw_score : float
        Points earned before the penalty (finite).
    assessment : LateAssessment
        From :func:`assess`.

    Returns
    -------
    late_penalty : float
        Points removed: ``penalty_fraction * raw_score`` (0 for a raw score
        <= 0, which has nothing to lose).
    score : float
        ``raw_score - late_penalty``; exactly 0 when the fraction is 1.

    Raises
    ------
    ValueError
        If ``raw_score`` is not finite.
    """
    if not math.isfinite(raw_score):
        raise ValueError(f"raw_score must be finite, got {raw_score!r}")
    if raw_score <= 0 or assessment.penalty_fraction <= 0:
        return 0.0, raw_score
    if assessment.penalty_fraction >= 1:
        return raw_score, 0.0
    late_penalty = raw_score * assessment.penalty_fraction
    return late_penalty, raw_score - late_penalty
