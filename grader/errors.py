"""Exceptions of the grader (never raised for a student's mistakes).

A student's failure is data (a scored check), not an exception. These
exceptions are for the instructor's side::

    GraderError              exit code 1: grading could not be completed
    ├── UsageError           exit code 2: bad command line or input folder
    ├── RubricError          exit code 2: a rubric file is invalid
    └── LoadError            a submission cannot be turned into source code
                             (caught per student, shown in the report)
"""

from __future__ import annotations

__all__ = ["GRADER_BUG", "GraderError", "UsageError", "RubricError", "LoadError"]

#: Prefix of the message recorded when the grader itself fails on a check.
GRADER_BUG = "The grader failed while judging this check (a bug in the grader, not in your code; " \
    "tell the instructors)"


class GraderError(Exception):
    """Base class; ``exit_code`` is the process exit status for the CLI."""

    exit_code = 1


class UsageError(GraderError):
    """The command line or the folder given to it is unusable."""

    exit_code = 2


class RubricError(GraderError):
    """A rubric file is invalid (message names the file and the key)."""

    exit_code = 2


class LoadError(GraderError):
    """A submission file cannot be read as Python source (per student)."""
