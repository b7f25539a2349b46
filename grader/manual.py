"""Instructor scores for the written parts (manual rubric items).

``grade run ... --manual scores.csv`` merges a CSV with the columns
``student, assignment, item, points, comment`` (comment optional) into the
result documents. A scored item counts in ``score`` and ``max_score``; an
item without a score stays *pending*: shown as pending in the report and
counted in neither, so a student is never shown a zero for ungraded work.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.rescore import recompute_totals
from grader.results import ManualEntry
from grader.rubric import ManualItem, Rubric

__all__ = ["ManualScores", "read_manual_scores", "manual_entry", "apply_manual", "manual_scores_of"]

#: (student, assignment) -> item -> (points, comment)
ManualScores = dict[tuple[str, str], dict[str, tuple[float, str]]]

REQUIRED = ("student", "assignment", "item", "points")


def read_manual_scores(path: Path, rubrics: dict[str, Rubric]) -> ManualScores:
    """Read and validate a manual-scores CSV.

    Parameters
    ----------
    path : Path
        CSV with a header row; columns ``student``, ``assignment``, ``item``,
        ``points`` and optionally ``comment``.
    rubrics : dict
        Known assignments and their manual items.

    Returns
    -------
    ManualScores

    Raises
    ------
    UsageError
        If the file is unreadable, a column is missing, or a row names an
        unknown assignment or item, has points outside [0, max], or repeats
        an earlier (student, assignment, item). The message gives the row.
    """
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read manual scores {str(path)!r}: {exc}") from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise UsageError(f"{path}: missing column(s) {missing}; expected {list(REQUIRED)} (+ comment)")
    scores: ManualScores = {}
    for row_number, row in enumerate(frame.to_dict("records"), start=2):
        where = f"{path}, row {row_number}"
        assignment = row["assignment"].strip()
        if assignment not in rubrics:
            raise UsageError(f"{where}: unknown assignment {assignment!r}")
        items = {m.item: m for m in rubrics[assignment].manual}
        item = row["item"].strip()
        if item not in items:
            raise UsageError(f"{where}: {assignment} has no manual item {item!r}; "
                             f"known: {', '.join(items) or 'none'}")
        text = row["points"].strip()
        if not text:
            continue  # an empty cell means "not graded yet"
        try:
            points = float(text)
        except ValueError:
            raise UsageError(f"{where}: points {text!r} is not a number") from None
        if not (math.isfinite(points) and 0 <= points <= items[item].points):
            raise UsageError(f"{where}: points {points:g} outside 0..{items[item].points:g} for {item}")
        key = (row["student"].strip(), assignment)
        if item in scores.get(key, {}):
            raise UsageError(f"{where}: a second score for {key[0]} / {assignment} / {item}")
        scores.setdefault(key, {})[item] = (points, str(row.get("comment", "")).strip())
    return scores


def manual_entry(item: ManualItem, score: float | None = None, comment: str = "") -> dict[str, Any]:
    """The ``manual`` entry of a result document for one written part.

    Parameters
    ----------
    item : ManualItem
        The rubric's manual item.
    score : float or None, optional
        The instructor's score; ``None`` (the default) while pending.
    comment : str, optional
        The instructor's comment.

    Returns
    -------
    dict
        A :class:`~grader.results.ManualEntry` as JSON: ``item``, ``title``,
        ``max_score``, ``score``, ``comment``.

    Raises
    ------
    pydantic.ValidationError
        If ``score`` is not a number or ``None``, or ``comment`` is not a string.
    """
    return ManualEntry(item=item.item, title=item.title, max_score=item.points, score=score,
                       comment=comment).model_dump()


def apply_manual(doc: dict[str, Any], rubric: Rubric, scores: ManualScores) -> bool:
    """Merge manual scores into a result document in place.

    Every manual item of the rubric gets an entry: the score given in
    ``scores``, else the one the document already had, else pending. Then
    ``score`` and ``max_score`` are recomputed from the items and the scored
    entries (:func:`grader.rescore.recompute_totals`: a late penalty the
    document carries is applied to the new raw score).

    Parameters
    ----------
    doc : dict
        A result document (needs ``student``, ``assignment``, ``items`` with
        their ``score``; ``manual`` if it has entries already).
    rubric : Rubric
        The assignment's rubric.
    scores : ManualScores
        Instructor scores, e.g. from :func:`read_manual_scores`.

    Returns
    -------
    bool
        Whether the document changed (and must be written again).
    """
    before = (doc.get("manual"), doc.get("score"), doc.get("max_score"))
    given = scores.get((doc["student"], doc["assignment"]), {})
    manual: list[dict[str, Any]] = []
    for m in rubric.manual:
        old: dict[str, Any] = next((e for e in doc.get("manual", []) if e.get("item") == m.item), {})
        points, comment = given.get(m.item, (old.get("score"), old.get("comment", "")))
        manual.append(manual_entry(m, points, comment))
    doc["manual"] = manual
    recompute_totals(doc, rubric.max_score)  # the one score arithmetic (late penalty kept)
    return (doc["manual"], doc["score"], doc["max_score"]) != before


def manual_scores_of(doc: Mapping[str, Any]) -> ManualScores:
    """The scored manual items of an existing result document, as :data:`ManualScores`.

    Used to carry instructor scores over when a changed submission is
    regraded. Lenient on purpose: a document that no longer validates (an
    older schema version, a hand edit) still gives up the scores it holds.

    Parameters
    ----------
    doc : dict
        A decoded result document, valid or not.

    Returns
    -------
    ManualScores
        Empty if it holds no scored manual item.
    """
    items = {}
    for entry in doc.get("manual") or []:
        if isinstance(entry, dict) and isinstance(entry.get("score"), (int, float)) and "item" in entry:
            items[str(entry["item"])] = (float(entry["score"]), str(entry.get("comment", "")))
    if not items:
        return {}
    return {(str(doc.get("student")), str(doc.get("assignment"))): items}
