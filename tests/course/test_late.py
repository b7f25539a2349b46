"""Boundaries of the late-work policy: due, grace, started days, cap, cutoff, extensions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pydantic
import pytest

from grader.course.late import LateAssessment, LatePolicy, apply_penalty, assess

TZ = timezone(timedelta(hours=-4))
DUE = datetime(2026, 10, 1, 23, 59, tzinfo=TZ)
SECOND = timedelta(seconds=1)


def per_day(**kwargs: object) -> LatePolicy:
    fields: dict[str, object] = {"due": DUE, "grace_minutes": 15, "policy": "per_day", "per_day": 0.1, "cap": 0.5}
    fields.update(kwargs)
    return LatePolicy.model_validate(fields)


@pytest.mark.parametrize(
    ("offset", "late_by_hours", "fraction"),
    [
        (-timedelta(hours=3), 0.0, 0.0),  # on time
        (timedelta(0), 0.0, 0.0),  # exactly at due
        (timedelta(minutes=10), 0.0, 0.0),  # inside grace
        (timedelta(minutes=15), 0.0, 0.0),  # exactly at the end of grace
        (timedelta(minutes=15) + SECOND, 0.25 + 1 / 3600, 0.1),  # 1 s past grace: from due, one started day
        (timedelta(hours=24), 24.0, 0.1),  # exactly one day late
        (timedelta(hours=24) + SECOND, 24 + 1 / 3600, 0.2),  # 1 s past 24 h: second day started
        (timedelta(days=4, hours=1), 97.0, 0.5),  # 5 started days -> 0.5 (= cap, exactly)
        (timedelta(days=9), 216.0, 0.5),  # capped
    ],
)
def test_per_day_boundaries(offset: timedelta, late_by_hours: float, fraction: float) -> None:
    result = assess(per_day(), DUE + offset)
    assert result.late_by_hours == pytest.approx(late_by_hours, abs=1e-9)
    assert result.penalty_fraction == pytest.approx(fraction)
    assert (result.note == "") == (fraction == 0.0)
    assert result.due == DUE


def test_cap_below_the_daily_sum() -> None:
    result = assess(per_day(cap=0.25), DUE + timedelta(days=2, hours=1))
    assert result.penalty_fraction == pytest.approx(0.25)
    assert "(the cap)" in result.note
    assert "(the cap)" not in assess(per_day(cap=0.25), DUE + timedelta(hours=1)).note


def test_extension_shifts_due_and_cutoff() -> None:
    policy = per_day(cutoff=DUE + timedelta(days=2))
    at = DUE + timedelta(hours=30)
    assert assess(policy, at).penalty_fraction == pytest.approx(0.2)
    extended = assess(policy, at, extension_hours=24)
    assert extended.late_by_hours == pytest.approx(6.0)
    assert extended.penalty_fraction == pytest.approx(0.1)
    assert extended.due == DUE + timedelta(hours=24)
    assert "extension" in extended.note
    # 1 s past the cutoff: zero; with a one-day extension the cutoff moves too.
    past_cutoff = DUE + timedelta(days=2) + SECOND
    assert assess(policy, past_cutoff).penalty_fraction == 1.0
    assert assess(policy, DUE + timedelta(days=2)).penalty_fraction == pytest.approx(0.2)
    assert assess(policy, past_cutoff, extension_hours=24).penalty_fraction == pytest.approx(0.2)
    assert assess(policy, DUE + timedelta(days=3, seconds=1), extension_hours=24).penalty_fraction == 1.0
    # An extension covers a submission that would otherwise be late.
    assert assess(per_day(), DUE + timedelta(hours=5), extension_hours=5).note == ""


def test_zero_after_default_cutoff_is_due_plus_grace() -> None:
    policy = LatePolicy(due=DUE, grace_minutes=15, policy="zero_after")
    assert assess(policy, DUE + timedelta(minutes=15)).penalty_fraction == 0.0
    late = assess(policy, DUE + timedelta(minutes=15) + SECOND)
    assert late.penalty_fraction == 1.0
    assert "cutoff" in late.note
    assert assess(policy, DUE + timedelta(minutes=15) + SECOND, extension_hours=1).penalty_fraction == 0.0


def test_zero_after_explicit_cutoff() -> None:
    policy = LatePolicy(due=DUE, policy="zero_after", cutoff=DUE + timedelta(hours=48))
    before = assess(policy, DUE + timedelta(hours=47))
    assert (before.late_by_hours, before.penalty_fraction) == (47.0, 0.0)
    assert before.note != ""
    assert assess(policy, DUE + timedelta(hours=48) + SECOND).penalty_fraction == 1.0


def test_policy_none_records_but_never_penalises() -> None:
    policy = LatePolicy(due=DUE)
    result = assess(policy, DUE + timedelta(days=30))
    assert result.late_by_hours == pytest.approx(720.0)
    assert result.penalty_fraction == 0.0
    assert "no late penalty" in result.note
    assert assess(policy, DUE).late_by_hours == 0.0


def test_unknown_time_and_no_policy() -> None:
    unknown = assess(per_day(), None)
    assert (unknown.late_by_hours, unknown.penalty_fraction) == (0.0, 0.0)
    assert "unknown" in unknown.note
    assert assess(None, DUE + timedelta(days=3)) == LateAssessment(DUE + timedelta(days=3), 0.0, 0.0, "")


def test_other_time_zone_same_instant() -> None:
    utc_at = (DUE + timedelta(hours=1)).astimezone(timezone.utc)
    assert assess(per_day(), utc_at).late_by_hours == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"due": datetime(2026, 10, 1, 23, 59)}, "due"),
        ({"due": "2026-10-01T23:59:00"}, "due"),
        ({"due": DUE, "policy": "zero_after", "cutoff": datetime(2026, 10, 3)}, "cutoff"),
        ({"due": DUE, "grace_minutes": -1}, "grace_minutes"),
        ({"due": DUE, "policy": "per_day"}, "per_day"),
        ({"due": DUE, "policy": "per_day", "per_day": 1.5}, "per_day"),
        ({"due": DUE, "policy": "per_day", "per_day": 0.1, "cap": 2}, "cap"),
        ({"due": DUE, "per_day": 0.1}, "per_day"),
        ({"due": DUE, "cap": 0.5}, "cap"),
        ({"due": DUE, "cutoff": DUE + timedelta(days=1)}, "cutoff"),
        ({"due": DUE, "policy": "zero_after", "cutoff": DUE - SECOND}, "before due"),
        ({"due": DUE, "policy": "weekly"}, "policy"),
        ({"due": DUE, "grace": 5}, "grace"),
    ],
)
def test_invalid_policies_are_rejected(fields: dict[str, object], needle: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=needle):
        LatePolicy.model_validate(fields)


def test_valid_policy_from_iso_strings() -> None:
    policy = LatePolicy.model_validate({"due": "2026-10-01T23:59:00-04:00", "policy": "zero_after"})
    assert policy.due == DUE
    with pytest.raises(pydantic.ValidationError):
        policy.grace_minutes = 3  # type: ignore[misc]


def test_assess_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="time zone"):
        assess(per_day(), datetime(2026, 10, 2))
    with pytest.raises(ValueError, match="extension_hours"):
        assess(per_day(), DUE, extension_hours=-1)
    with pytest.raises(ValueError, match="extension_hours"):
        assess(per_day(), DUE, extension_hours=float("nan"))


@pytest.mark.parametrize(
    ("raw", "fraction", "expected"),
    [
        (10.0, 0.0, (0.0, 10.0)),
        (10.0, 0.2, (2.0, 8.0)),
        (10.0, 1.0, (10.0, 0.0)),
        (0.0, 0.5, (0.0, 0.0)),
        (-1.0, 0.5, (0.0, -1.0)),
    ],
)
def test_apply_penalty(raw: float, fraction: float, expected: tuple[float, float]) -> None:
    assessment = LateAssessment(DUE, 1.0, fraction, "x")
    assert apply_penalty(raw, assessment) == pytest.approx(expected)


def test_apply_penalty_rejects_non_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        apply_penalty(float("inf"), LateAssessment(DUE, 0.0, 0.0, ""))


@pytest.mark.parametrize(
    ("offset", "shown"),
    [
        (timedelta(hours=26, minutes=30), "Submitted 26 h 30 min after"),
        (timedelta(hours=24, seconds=1), "Submitted 24 h 1 s after"),
        (timedelta(hours=24, microseconds=1), "Submitted 24 h 1 s after"),  # a started second counts
        (timedelta(minutes=15, seconds=1), "Submitted 15 min 1 s after"),
    ],
)
def test_note_states_the_lateness_exactly(offset: timedelta, shown: str) -> None:
    note = assess(per_day(), DUE + offset).note
    assert note.startswith(shown) and note.endswith(".") and note.count(". ") == 0
