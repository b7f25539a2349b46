"""The result document's model: pydantic classes for every field, and the allowed values.

:class:`ResultDocument` holds :class:`Item` (one per graded function), which
holds :class:`Check`, :class:`Misconception` and :class:`Source`; and
:class:`ManualEntry` (the written parts). The models are strict (``1`` is a
number, ``"1"`` and ``true`` are not) and forbid unknown keys, so they are
the exact layout of schema version :data:`SCHEMA_VERSION`. Each field is
described in its class's ``Attributes`` section, which is also where the
published JSON Schema takes its descriptions from (:mod:`grader.results.schema`).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["SCHEMA_VERSION", "ITEM_STATUSES", "CHECK_OUTCOMES", "VISIBILITIES", "SUBMISSION_KINDS",
           "DOCUMENT_STATUSES", "ItemStatus", "CheckOutcome", "Visibility", "SubmissionKind", "DocumentStatus",
           "Check", "Misconception", "Source", "Item", "ManualEntry", "Override", "ResultDocument"]

#: Version of the result document layout; a reader accepts only this one.
SCHEMA_VERSION = 1

ItemStatus = Literal["passed", "partial", "failed", "error", "timeout", "missing"]
CheckOutcome = Literal["passed", "failed", "error", "timeout"]
Visibility = Literal["public", "hidden"]
SubmissionKind = Literal["module", "notebook", "package", "none"]
DocumentStatus = Literal["graded", "missing"]

#: Allowed ``status`` of an item (a graded function).
ITEM_STATUSES: tuple[str, ...] = get_args(ItemStatus)
#: Allowed ``outcome`` of a check.
CHECK_OUTCOMES: tuple[str, ...] = get_args(CheckOutcome)

#: Allowed ``visibility`` of a check.
VISIBILITIES: tuple[str, ...] = get_args(Visibility)
#: Allowed ``submission_kind`` of a document.
SUBMISSION_KINDS: tuple[str, ...] = get_args(SubmissionKind)
#: Allowed ``status`` of a document.
DOCUMENT_STATUSES: tuple[str, ...] = get_args(DocumentStatus)

NonEmpty = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    # strict: 1 is a number but "1" and true are not; forbid: an unknown key is an error
    model_config = ConfigDict(strict=True, extra="forbid")


class Check(_Model):
    """One check of a function: the fields of :meth:`grader.judge.checks.CheckResult.to_json`.

    Attributes
    ----------
    name : str
        The check's name in the rubric, e.g. ``"edge times t = 1 and t = T"``.
    kind : str
        Its check kind (a key of the judge's registry of kinds), e.g. ``"elementwise"``.
    visibility : {"public", "hidden"}
        Public checks use the same inputs for everyone; hidden ones draw them per student.
    outcome : {"passed", "failed", "error", "timeout"}
        What happened; ``error`` is also the outcome of a check the grader itself failed on.
    score : float
        Points earned.
    max_score : float
        The check's points in the rubric.
    messages : list of str
        Why it lost points: what was compared and how the output differs.
    notes : list of str
        Remarks that cost nothing (e.g. float32 precision); absent in older documents.
    plot : str or None
        A small plot as a ``data:image/...;base64`` URI, or null.
    error_lineno : int or None
        The line of the student's source where the check's error was raised, or
        null; absent in older documents.
    """

    name: str
    kind: str
    visibility: Visibility
    outcome: CheckOutcome
    score: float
    max_score: float
    messages: list[str]
    notes: list[str] = []
    plot: str | None
    error_lineno: int | None = None


class Misconception(_Model):
    """The named mistake that explains a function's outputs.

    Attributes
    ----------
    name : str
        A variant of ``reference/misconceptions/`` or a property name of
        :mod:`grader.judge.diagnose` (e.g. ``modifies_input_in_place``).
    title : str
        One line for the student.
    explanation : str
        What the mistake is and how to see it.
    reference : str
        Where the problem set or the course explains the right way.
    """

    name: str
    title: str
    explanation: str
    reference: str


class Source(_Model):
    """A line of the student's submission, shown next to an error.

    Attributes
    ----------
    location : str
        Where it is, e.g. ``"line 42"`` or ``"cell 4, line 2"``.
    text : str
        The line itself (stripped, at most 300 characters).
    """

    location: str
    text: str


class Item(_Model):
    """One graded function.

    Attributes
    ----------
    function : str
        The function's name (non-empty, unique within the document).
    score : float
        Points earned: the sum over its checks.
    max_score : float
        The function's points in the rubric.
    status : {"passed", "partial", "failed", "error", "timeout", "missing"}
        ``passed`` is full marks; ``missing`` is a function not defined by the submission.
    feedback : list of str
        What the student reads first: the first message of every check that did
        not pass, then the notes.
    misconception : Misconception or None
        The mistake named from the outputs, or null when none is named.
    source : Source or None
        The student's line where an error was raised, or null.
    checks : list of Check
        Every check of the function, in rubric order.
    """

    function: NonEmpty
    score: float
    max_score: float
    status: ItemStatus
    feedback: list[str]
    misconception: Misconception | None
    source: Source | None
    checks: list[Check]


class ManualEntry(_Model):
    """A written part (proof, short answer) scored by people.

    Attributes
    ----------
    item : str
        The manual item's id in the rubric.
    title : str
        Its title in the rubric.
    max_score : float
        Its points in the rubric.
    score : float or None
        The instructor's score, or null while it is pending (then it counts in
        neither ``score`` nor ``max_score`` of the document).
    comment : str
        The instructor's comment (may be empty).
    """

    item: str
    title: str
    max_score: float
    score: float | None
    comment: str


class Override(_Model):
    """An instructor's points for an auto-graded function, standing across regrades.

    Attributes
    ----------
    function : str
        The overridden function (an item of the document).
    points : float
        The points given: the item's ``score`` while the override stands.
    auto_points : float
        What the checks gave that function at the last grading (shown next to the override).
    reason : str
        Why (non-empty; shown to the student).
    by : str
        Who set it.
    at : str
        When it was set (UTC, ISO 8601).
    """

    function: NonEmpty
    points: float
    auto_points: float
    reason: NonEmpty
    by: str
    at: str


class ResultDocument(_Model):
    """The result of one student on one assignment (schema version 1).

    Attributes
    ----------
    schema_version : int
        Always 1 for this layout.
    student : str
        The student id (non-empty): the file or folder name without extension.
    assignment : str
        The assignment id (non-empty), e.g. ``"hw2"``.
    score : float
        Points earned: the items (overrides applied) plus the scored manual
        entries, minus ``late_penalty``.
    max_score : float
        The functions' points plus those of the scored manual entries (pending ones are excluded).
    submission_sha256 : str
        SHA-256 of the graded file (empty if there was none).
    submission_path : str
        The graded file, relative to the graded folder (empty if there was none).
    submission_kind : {"module", "notebook", "package", "none"}
        How the submission was given; ``none`` when there was no submission.
    rubric_sha256 : str
        SHA-256 of the rubric file that graded it; absent in older documents.
    graded_at : str
        When it was graded (UTC, ISO 8601).
    grader_version : str
        The grader's version.
    errors : list of str
        Submission-level errors (a syntax error, an unreadable notebook, ...).
    notes : list of str
        Submission-level notes (neutralised magics, sandbox restarts, missing isolation).
    stdout : str
        What the submission printed, capped.
    items : list of Item
        One per graded function, in rubric order; empty when the submission did not load.
    manual : list of ManualEntry
        The rubric's written parts, scored or pending.
    status : {"graded", "missing"}
        ``missing``: a roster student without a submission (score 0, every item
        ``missing``); absent (``graded``) in older documents.
    on_roster : bool or None
        Whether the student is on the roster of the run that scored it; null
        when the run had no roster.
    submitted_at : str or None
        When the work was submitted (ISO 8601 with time zone), or null; only
        recorded when the assignment has a late policy.
    late_by_hours : float
        Hours after the due date (extension and grace included) the work came in; 0 if on time.
    late_penalty_fraction : float
        The fraction of ``raw_score`` the late policy takes (0 to 1).
    raw_score : float or None
        The score before the late penalty; null when no late policy applies.
    late_penalty : float
        Points taken for lateness (``raw_score - score``).
    late_note : str
        How the late policy was applied (may be empty).
    overrides : list of Override
        Standing instructor overrides of auto-graded functions, one per function at most.
    """

    schema_version: Literal[1]
    student: NonEmpty
    assignment: NonEmpty
    score: float
    max_score: float
    submission_sha256: str
    submission_path: str
    submission_kind: SubmissionKind
    rubric_sha256: str = ""
    graded_at: str
    grader_version: str
    errors: list[str]
    notes: list[str]
    stdout: str
    items: list[Item]
    manual: list[ManualEntry]
    status: DocumentStatus = "graded"
    on_roster: bool | None = None
    submitted_at: str | None = None
    late_by_hours: float = 0.0
    late_penalty_fraction: float = 0.0
    raw_score: float | None = None
    late_penalty: float = 0.0
    late_note: str = ""
    overrides: list[Override] = []

    @model_validator(mode="after")
    def _functions_unique(self) -> ResultDocument:
        seen: set[str] = set()
        for item in self.items:
            if item.function in seen:
                raise ValueError(f"function {item.function!r} appears twice in 'items'")
            seen.add(item.function)
        overridden: set[str] = set()
        for override in self.overrides:
            if override.function not in seen:
                raise ValueError(f"override of {override.function!r}, which is not an item of the document")
            if override.function in overridden:
                raise ValueError(f"function {override.function!r} is overridden twice in 'overrides'")
            overridden.add(override.function)
        return self
