"""``grade override``: set the points of an auto-graded function, with a reason, without running code.

::

    grade override STUDENT ASSIGNMENT FUNCTION POINTS --reason TEXT [--out DIR]

The override is stored in the result document (:func:`grader.overrides.apply_override`),
kept across regrades, logged in ``OUT/overrides.csv``, and the reports and
the gradebook are re-made from the documents (as ``grade report`` and
``grade run`` make them). ``by`` is ``$USER`` (``instructor`` if unset).
Exit status 2 for a bad argument (no such document or function, points out
of range, empty reason).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader.errors import GraderError, UsageError

__all__ = ["DEFAULT_OUT", "override_command"]

#: Default ``--out`` folder (the default output folder of ``grade run``).
DEFAULT_OUT = Path("grade-output")


@click.command("override")
@click.argument("student")
@click.argument("assignment")
@click.argument("function")
@click.argument("points", type=float)
@click.option("--reason", required=True, help="Why the points are overridden (required; shown in the report).")
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT,
              show_default=True, help="Output folder of an earlier 'grade run'.")
def override_command(student: str, assignment: str, function: str, points: float, reason: str,
                     out: Path) -> None:
    """Set FUNCTION of STUDENT's ASSIGNMENT result to POINTS, with a --reason.

    The override stands when the submission is regraded (the report shows it
    next to the new auto score); reports and gradebook.csv are re-made.
    """
    from grader.overrides import OVERRIDES_CSV, apply_override
    from grader.publish import rerender

    by = os.environ.get("USER") or "instructor"
    try:
        override = apply_override(out, student, assignment, function, points, reason, by)
        rerender(out)  # anonymised or not, as the last run
    except GraderError as exc:
        click.echo(f"grade: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        click.echo(f"grade: error: {UsageError(str(exc))}", err=True)
        sys.exit(2)
    click.echo(f"{assignment}/{student} {function}: {override.points:g} points "
               f"(auto {override.auto_points:g}); logged in {out / OVERRIDES_CSV}")
