"""What one ``grade run`` reports: :class:`RunEvents` while it works, :class:`RunSummary` when done.

:func:`grader.pipeline.run` calls the events (the command line's progress
bar and warnings, :mod:`grader.cli`) and returns the summary; both are
re-exported by :mod:`grader.pipeline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.discover import Submission

__all__ = ["RunEvents", "RunSummary"]


@dataclass
class RunSummary:
    """What a run did.

    Attributes
    ----------
    graded : list of str
        ``assignment/student`` of every submission graded now.
    skipped : list of str
        ``assignment/student`` of every up-to-date result kept.
    documents : list of dict
        Every result document of the run (graded or kept), sorted by (assignment, student).
    warnings : list of str
        What :meth:`RunEvents.warning` was told (filled by :func:`run`).
    seconds : float
        Wall-clock time from the sandbox check to the last file written (filled by :func:`run`).
    missing : list of str
        ``assignment/student`` of every roster student without a submission
        (a ``missing`` document; only with a roster).
    not_on_roster : list of tuple
        (assignment, student) of every graded submission whose student is not
        on the roster (only with a roster).
    """

    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    missing: list[str] = field(default_factory=list)
    not_on_roster: list[tuple[str, str]] = field(default_factory=list)


class RunEvents:
    """What :func:`run` reports while it works; every method does nothing unless overridden."""

    def skipped(self, what: str) -> None:
        """A folder or file under the graded folder that is not a submission.

        Parameters
        ----------
        what : str
            The path and why it was skipped.
        """

    def warning(self, message: str) -> None:
        """Something the instructor should know: missing sandbox isolation, manual scores without a submission.

        Parameters
        ----------
        message : str
            One line, without a ``warning:`` prefix.
        """

    def started(self, total: int) -> None:
        """Grading starts (after the sandbox check).

        Parameters
        ----------
        total : int
            Number of submissions, graded or kept.
        """

    def graded(self, sub: Submission, doc: dict[str, Any]) -> None:
        """One submission is done (graded now, or kept as up to date).

        Parameters
        ----------
        sub : Submission
            The submission.
        doc : dict
            Its result document.
        """

    def finished(self) -> None:
        """Every submission is done; manual scores, reports and exports follow."""
