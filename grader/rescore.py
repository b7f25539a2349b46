"""Re-scoring a result document without running any code: totals, late penalty, overrides.

Everything here changes a stored (or just graded) document in place and never
runs student code, so a changed late policy, a new roster extension or an
instructor override is applied to the recorded result, as
:func:`grader.manual.apply_manual` applies manual scores.

The score arithmetic lives in one place, :func:`recompute_totals`::

    raw_score = items (overrides applied) + scored manual entries
    score     = raw_score - late_penalty     (late_penalty from grader.course.late.apply_penalty)

The late fields (``submitted_at``, ``late_by_hours``, ``late_penalty_fraction``,
``raw_score``, ``late_penalty``, ``late_note``) are present only when a late
policy applies to the document's assignment (:func:`apply_late`); overrides
are kept in ``overrides`` (one per function) and the overridden item's
``score`` is the override's ``points``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from grader.course.late import LateAssessment, apply_penalty

__all__ = ["MTIME_NOTE", "LATE_KEYS", "recompute_totals", "apply_late", "set_roster_flag",
           "overrides_of", "carry_overrides"]

#: The note of a document whose submission time is the file's modification time.
MTIME_NOTE = ("The submission time was taken from the file's modification time (the LMS gave none), "
              "so lateness is only as reliable as that time.")

#: The document keys that exist only when a late policy applies.
LATE_KEYS = ("submitted_at", "late_by_hours", "late_penalty_fraction", "raw_score", "late_penalty", "late_note")


def recompute_totals(doc: dict[str, Any], functions_max: float | None = None) -> None:
    """Recompute ``score``, ``max_score`` and (with a late policy) ``raw_score`` and ``late_penalty``.

    Parameters
    ----------
    doc : dict
        A result document; its items' ``score`` already carry the overrides.
    functions_max : float, optional
        The rubric's function points (default: the sum of the items' ``max_score``).

    Raises
    ------
    KeyError
        If an item has no ``score`` (or no ``max_score`` when ``functions_max`` is not given).
    ValueError
        If the scores add up to a non-finite number.
    """
    scored = [e for e in doc.get("manual", []) if e.get("score") is not None]
    raw = round(sum(i["score"] for i in doc["items"]) + sum(e["score"] for e in scored), 6)
    if functions_max is None:
        functions_max = sum(i["max_score"] for i in doc["items"])
    doc["max_score"] = round(functions_max + sum(e["max_score"] for e in scored), 6)
    if "raw_score" not in doc:  # no late policy applies
        doc["score"] = raw
        return
    assessment = LateAssessment(None, float(doc.get("late_by_hours", 0.0)),
                                float(doc.get("late_penalty_fraction", 0.0)), "")
    penalty, score = apply_penalty(raw, assessment)
    doc["raw_score"] = raw
    doc["late_penalty"] = round(penalty, 6)
    doc["score"] = round(score, 6)


def apply_late(doc: dict[str, Any], assessment: LateAssessment | None, from_mtime: bool = False) -> None:
    """Record (or clear) the late assessment of a document; call :func:`recompute_totals` after.

    Parameters
    ----------
    doc : dict
        A result document.
    assessment : LateAssessment or None
        From :func:`grader.course.late.assess`; None when no late policy
        applies (every late field is then removed).
    from_mtime : bool, optional
        Whether the submission time is the file's modification time: the
        document's notes then carry :data:`MTIME_NOTE` (removed otherwise).
    """
    notes = [n for n in doc.get("notes", []) if n != MTIME_NOTE]
    if assessment is None:
        for key in LATE_KEYS:
            doc.pop(key, None)
        doc["notes"] = notes
        return
    when = assessment.submitted_at
    doc["submitted_at"] = when.isoformat() if when is not None else None
    doc["late_by_hours"] = round(assessment.late_by_hours, 6)
    doc["late_penalty_fraction"] = float(assessment.penalty_fraction)
    doc["raw_score"] = doc.get("raw_score", doc.get("score", 0.0))
    doc["late_penalty"] = doc.get("late_penalty", 0.0)
    doc["late_note"] = assessment.note
    doc["notes"] = notes + ([MTIME_NOTE] if from_mtime and when is not None else [])


def set_roster_flag(doc: dict[str, Any], on_roster: bool | None) -> None:
    """Record whether the student is on the run's roster (``None``: the run had none; the key is removed).

    Parameters
    ----------
    doc : dict
        A result document.
    on_roster : bool or None
        Whether the student is enrolled.
    """
    if on_roster is None:
        doc.pop("on_roster", None)
    else:
        doc["on_roster"] = on_roster


def overrides_of(doc: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The overrides an existing document holds, valid or not (to carry them over to a regrade).

    Lenient on purpose, like :func:`grader.manual.manual_scores_of`: an entry
    is kept if it has a function name, finite points, a reason, ``by`` and ``at``.

    Parameters
    ----------
    doc : dict or None
        A decoded result document.

    Returns
    -------
    list of dict
        Copies of the usable entries, in their order.
    """
    found = []
    for entry in (doc or {}).get("overrides") or []:
        if not isinstance(entry, Mapping):
            continue
        points = entry.get("points")
        if isinstance(entry.get("function"), str) and isinstance(points, (int, float)) \
                and not isinstance(points, bool) and math.isfinite(points) and entry.get("reason"):
            found.append({"function": entry["function"], "points": float(points),
                          "auto_points": float(entry.get("auto_points") or 0.0),
                          "reason": str(entry["reason"]), "by": str(entry.get("by", "")),
                          "at": str(entry.get("at", ""))})
    return found


def carry_overrides(doc: dict[str, Any], overrides: list[dict[str, Any]]) -> list[str]:
    """Apply standing overrides to a freshly graded document (its items hold the new auto scores).

    Each override's ``auto_points`` becomes the new auto score of its item and
    the item's ``score`` becomes the override's points (at most the item's
    ``max_score``). Call :func:`recompute_totals` after.

    Parameters
    ----------
    doc : dict
        A document just made by :func:`grader.grading.grade_submission`.
    overrides : list of dict
        From :func:`overrides_of` on the previous document.

    Returns
    -------
    list of str
        The functions whose override was dropped because the document has no
        such item any more (the rubric changed).
    """
    items = {i["function"]: i for i in doc["items"]}
    kept: list[dict[str, Any]] = []
    dropped: list[str] = []
    for entry in overrides:
        item = items.get(entry["function"])
        if item is None or any(k["function"] == entry["function"] for k in kept):
            dropped.append(entry["function"])
            continue
        points = min(max(entry["points"], 0.0), float(item["max_score"]))
        kept.append({**entry, "points": points, "auto_points": item["score"]})
        item["score"] = points
    if kept:
        doc["overrides"] = kept
    else:
        doc.pop("overrides", None)
    return dropped
