"""``grade export``: the gradebook CSV (long or wide) or an LMS import file, from recorded results.

::

    grade export --format long|wide|canvas|moodle|blackboard [--roster FILE.csv] --out FILE.csv
    grade export --format gradescope --out DIR

``long`` (the default) and ``wide`` are :func:`grader.gradebook.write_gradebook`,
byte for byte as before (``--wide`` is kept as an alias of ``--format
wide``); with ``--roster`` they are :mod:`grader.lms.rostered` (roster
students without a submission added, a ``roster_status`` column).

``canvas``, ``moodle`` and ``blackboard`` need a roster
(:mod:`grader.course.roster`) and write one row per roster student in the
exact import format of the LMS (:mod:`grader.lms`, ``docs/lms-exports.md``);
documents of students not on the roster are not exported to an LMS, and a
warning names them. No student code runs.

``gradescope`` writes ``DIR/<assignment>/<student>/results.json`` for every
graded student, the same object the Gradescope autograder writes
(:mod:`grader.gradescope.export`, ``docs/gradescope.md``).

The LMS names and ids of the assignments come from ``--column
ASSIGNMENT=TITLE`` and ``--lms-id ASSIGNMENT=ID`` (the Canvas assignment id,
the Moodle grade item, or the Blackboard column id, for the format
written), on top of :func:`configured_columns` (the course configuration's
``[assignments.NAME]`` ids); the configuration also gives the default
``--results`` folder and ``--roster``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from grader.errors import GraderError, UsageError

if TYPE_CHECKING:  # pandas and the LMS modules load only when an export runs
    from grader.course.config import CourseConfig
    from grader.lms.columns import AssignmentColumn, Missing
    from grader.lms.moodle import MoodleIdentifier

__all__ = ["FORMATS", "DEFAULT_RESULTS", "export_command", "configured_columns"]

#: ``--format`` choices.
FORMATS = ("long", "wide", "canvas", "moodle", "blackboard", "gradescope")
#: Default ``--results`` folder (the default output folder of ``grade run``).
DEFAULT_RESULTS = Path("grade-output")


def configured_columns(course: CourseConfig) -> dict[str, AssignmentColumn]:
    """The LMS titles and ids of the assignments from the course configuration.

    ``[assignments.NAME]`` ``title``, ``canvas_id``, ``moodle_item`` and
    ``blackboard_column`` of ``grader.toml`` (:mod:`grader.course.config`);
    ``--column`` and ``--lms-id`` override them.

    Parameters
    ----------
    course : CourseConfig
        The effective course configuration (defaults when there is no file).

    Returns
    -------
    dict of str to AssignmentColumn
        One entry per assignment the configuration names.
    """
    from grader.lms.columns import AssignmentColumn

    return {name: AssignmentColumn(title=a.title or "", canvas_id=a.canvas_id or "",
                                   moodle_item=a.moodle_item or "", blackboard_column=a.blackboard_column or "")
            for name, a in course.assignments.items()}


def _course(config_path: Path | None) -> CourseConfig:
    """The course configuration: ``--config``, else one found from the current folder, else defaults."""
    from grader.course.config import CourseConfig, find_config, load_config

    found = config_path or find_config(Path.cwd())
    return load_config(found) if found else CourseConfig()


def _fail(exc: GraderError) -> NoReturn:
    click.echo(f"grade: error: {exc}", err=True)
    sys.exit(exc.exit_code)


def _warn(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"grade: warning: {line}", err=True)


def _format(fmt: str | None, wide: bool) -> str:
    if wide and fmt not in (None, "wide"):
        raise UsageError(f"--wide is the same as --format wide; it cannot be combined with --format {fmt}")
    return "wide" if wide else (fmt or "long")


def _results_dir(results_out: Path) -> Path:
    if not (results_out / "results").is_dir():
        raise UsageError(f"no results in {str(results_out)!r}: run 'grade run' first or pass --results")
    return results_out / "results"


def _gradebook(results_dir: Path, csv_path: Path, fmt: str, roster_path: Path | None,
               assignments: tuple[str, ...]) -> int:
    """Today's long/wide gradebook; with a roster, its students without a submission and a status column."""
    if assignments:
        raise UsageError("--assignment selects assignments of an LMS export; long and wide hold every assignment")
    if roster_path is None:
        from grader.gradebook import write_gradebook

        return len(write_gradebook(results_dir, csv_path, wide=fmt == "wide"))
    from grader.course.roster import load_roster
    from grader.lms.rostered import ROSTER_STATUS, write_rostered_gradebook

    frame = write_rostered_gradebook(results_dir, csv_path, load_roster(roster_path), wide=fmt == "wide")
    outside = sorted(set(frame.loc[frame[ROSTER_STATUS] == "not on roster", "student"]))
    if outside:
        _warn([f"student(s) not on the roster, kept in the {fmt} gradebook as 'not on roster': {', '.join(outside)}"])
    return len(frame)


@dataclass(frozen=True)
class _LmsOptions:
    """The command-line options of an LMS export."""

    titles: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    assignments: tuple[str, ...] = ()
    identifier: MoodleIdentifier = "email"
    missing: Missing = "empty"


def _lms(results_dir: Path, csv_path: Path, fmt: str, roster_path: Path | None, options: _LmsOptions,
         base: dict[str, AssignmentColumn]) -> int:
    """Write the LMS file of ``fmt``; print its warnings; the number of student rows."""
    from grader.course.roster import load_roster
    from grader.lms.formats import columns_from_options, lms_table, lms_warnings, write_lms
    from grader.results import load_results

    field = {"canvas": "lms_id", "moodle": "email, sis_id or login", "blackboard": "login"}[fmt]
    if roster_path is None:
        raise UsageError(f"{fmt} export needs a roster with {field} (pass --roster FILE.csv)")
    roster = load_roster(roster_path)
    columns = columns_from_options(fmt, options.titles, options.ids, base=base)
    docs = load_results(results_dir)
    chosen = options.assignments or None
    frame = lms_table(fmt, docs, roster, columns, chosen, options.missing, options.identifier)
    warnings = lms_warnings(fmt, docs, roster, columns, chosen, options.identifier)
    write_lms(fmt, frame, csv_path)
    _warn(warnings)
    return len(roster)


@click.command("export")
@click.option("--results", "results_out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Output folder of an earlier 'grade run' (its results/ are read) [default: the course "
                   "config's out, else grade-output].")
@click.option("--out", "csv_path", type=click.Path(path_type=Path), required=True,
              help="CSV file to write (for --format gradescope: a folder).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="long: a row per student and assignment (default); wide: a row per student with totals; "
                   "canvas, moodle, blackboard: the LMS's grade import file (needs --roster); "
                   "gradescope: a results.json per graded student.")
@click.option("--wide", is_flag=True, help="Same as --format wide.")
@click.option("--roster", "roster_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Roster CSV (student, name, email, lms_id, sis_id, login, section): the LMS rows, in its order.")
@click.option("--assignment", "assignments", multiple=True, metavar="NAME",
              help="LMS formats: export only this assignment (repeatable; default: all).")
@click.option("--column", "titles", multiple=True, metavar="ASSIGNMENT=TITLE",
              help="The assignment's title in the LMS (repeatable; default: the assignment id).")
@click.option("--lms-id", "ids", multiple=True, metavar="ASSIGNMENT=ID",
              help="The assignment's id in the LMS of --format: Canvas assignment id, Moodle grade item "
                   "('Assignment: Homework 2'), Blackboard column id (repeatable).")
@click.option("--moodle-identifier", "identifier", type=click.Choice(["email", "idnumber", "username"]),
              default="email", show_default=True,
              help="Moodle: the user field of the first column (roster email, sis_id or login).")
@click.option("--missing", type=click.Choice(["empty", "zero"]), default="empty", show_default=True,
              help="LMS formats: a roster student without a submission gets an empty cell (not graded) or 0.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Course configuration: its out folder, roster and LMS ids are the defaults "
                                 "[default: grader.toml found from the current folder].")
def export_command(results_out: Path | None, csv_path: Path, fmt: str | None, wide: bool,
                   roster_path: Path | None, assignments: tuple[str, ...], titles: tuple[str, ...],
                   ids: tuple[str, ...], identifier: str, missing: str, config_path: Path | None) -> None:
    """Rebuild the gradebook CSV, or an LMS grade import file, from recorded results, without running any code."""
    try:
        course = _course(config_path)
        roster_path = roster_path or course.roster
        chosen = _format(fmt, wide)
        results_dir = _results_dir(results_out or course.out or DEFAULT_RESULTS)
        if chosen == "gradescope":
            from grader.gradescope.export import write_gradescope_results

            written = write_gradescope_results(results_dir, csv_path, assignments)
            click.echo(f"Wrote {len(written)} results.json file(s) under {csv_path}")
            return
        if csv_path.is_dir():
            raise UsageError(f"--out {str(csv_path)!r} is a folder; the {chosen} format writes a CSV file")
        if chosen in ("long", "wide"):
            rows = _gradebook(results_dir, csv_path, chosen, roster_path, assignments)
        else:
            options = _LmsOptions(titles, ids, assignments, identifier, missing)  # type: ignore[arg-type]
            rows = _lms(results_dir, csv_path, chosen, roster_path, options, configured_columns(course))
    except GraderError as exc:  # a ResultError names the document and the field
        _fail(exc)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(UsageError(f"{where}{exc.strerror or exc}"))
    click.echo(f"Wrote {rows} row(s) to {csv_path}")
