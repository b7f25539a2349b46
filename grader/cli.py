"""The ``grade`` command line: parses options and calls the pipeline stages.

Thin by design (click): every command is a call into a stage module that
tests can call directly (``grade run`` is :func:`grader.pipeline.run`); the
sandbox options default to :class:`grader.limits.Limits`' own defaults.
Exit status: 0 when grading completed, whatever the students scored; 2 for a
usage or rubric error, or an unusable results folder (missing, a corrupt or
invalid document, another schema version), with one line naming the file;
1 when grading itself could not complete.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

import click

import grader
from grader.errors import GraderError, UsageError
from grader.limits import Limits

if TYPE_CHECKING:
    from grader.course.config import CourseConfig
    from grader.discover import Submission
    from grader.pipeline import RunEvents, RunSummary

__all__ = ["main", "cli"]

DEFAULT_OUT = Path("grade-output")  # the same as grader.course.config.DEFAULT_OUT (kept import-light)

T = TypeVar("T")


def _fail(exc: GraderError) -> NoReturn:
    click.echo(f"grade: error: {exc}", err=True)
    sys.exit(exc.exit_code)


def _from_results(out: Path, hint: str, make: Callable[[Path], T]) -> T:
    """``make(out / "results")``; a missing or bad results folder, or a file error, is one line and exit 2."""
    try:
        if not (out / "results").is_dir():
            raise UsageError(f"no results in {str(out)!r}: run 'grade run' first{hint}")
        return make(out / "results")
    except GraderError as exc:  # a ResultError names the document and the field
        _fail(exc)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(UsageError(f"{where}{exc.strerror or exc}"))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(grader.__version__, prog_name="grade")
def cli() -> None:
    """Grade generative-model homework in a sandbox, with reports and a gradebook.

    Each submission runs in a sandbox, every function is compared with the
    reference, and HTML reports and a CSV gradebook are written.

    \b
    Typical use:
      grade run submissions/                     grade every assignment folder found
      grade collect canvas.zip --assignment hw2  an LMS bulk download into submissions/hw2/
      grade export --format canvas --roster roster.csv --out canvas.csv
    """  # noqa: D301 - click's "\b" (backspace) keeps the next paragraph's line breaks


@cli.command("run")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Output folder: results/, reports/ and gradebook.csv are written here.")
@click.option("--assignment", default=None, metavar="NAME",
              help="Grade PATH as this assignment (default: inferred from folder names, "
                   "e.g. PATH/hw2/<student>.py).")
@click.option("--timeout", default=Limits.call_timeout, show_default=True, type=click.FloatRange(min=0.1),
              help="CPU seconds allowed for each call of a student function (CPU time, so a busy "
                   "machine does not time out correct code; wall-clock time is capped at 3 times "
                   "this and at least 10 s more: --limit call_wall_timeout=S sets it).")
@click.option("--startup-timeout", default=Limits.startup_timeout, show_default=True, type=click.FloatRange(min=1),
              help="Seconds allowed to start a sandbox and run a submission's top level.")
@click.option("--workers", default=None, type=click.IntRange(min=1),
              help="Submissions graded at once, each in its own sandbox process "
                   "[default: the CPUs available to this process, affinity and cgroup quota included].")
@click.option("--memory-mb", default=Limits.memory_mb, show_default=True, type=click.IntRange(min=256),
              help="Memory limit of each sandbox (MiB): resident memory where the host has a writable memory cgroup, "
                   "else address space (RLIMIT_AS).")
@click.option("--isolation", type=click.Choice(["auto", "bwrap", "none"]), default=Limits.isolation,
              show_default=True,
              help="auto: bubblewrap namespaces (no network, no view of other files) and a pids "
                   "cgroup where the host allows; bwrap: require them; none: resource limits only.")
@click.option("--limit", "limit_args", multiple=True, metavar="KEY=VALUE",
              help="Set any sandbox limit (repeatable): call_timeout, call_wall_timeout, cpu_seconds, "
                   "memory_mb, processes, file_mb, open_files, startup_timeout, scratch_mb, fork_server. "
                   "See the README for defaults.")
@click.option("--force", is_flag=True,
              help="Regrade every submission, even those whose result is up to date.")
@click.option("--rubrics", "rubrics_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Folder of rubric files (default: the project's rubrics/).")
@click.option("--manual", "manual_csv", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="CSV of instructor scores for written parts: columns student, "
                                 "assignment, item, points, comment.")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Class roster CSV (student, name, email, lms_id, ...): enrolled students without a "
                   "submission get a 'missing' result, submissions of others are flagged "
                   "[default: the course config's roster].")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Course configuration [default: grader.toml, or [tool.grader] in "
                                 "pyproject.toml, in the current folder or a parent]; options override it.")
@click.option("--anonymise", is_flag=True, default=None,
              help="Stable pseudonyms instead of student ids in reports, overview and similarity report "
                   "(OUT/pseudonyms.csv maps them back; exports keep real ids) [default: the course config's].")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Grade on an existing Dask cluster: the scheduler's address, e.g. tcp://HOST:8786 "
                   "(needs pip install -e \".[dask]\"; see docs/distributed.md). --workers is then ignored.")
@click.option("--shard", "shard_text", default=None, metavar="I/N",
              help="Grade only the I-th of N disjoint slices of the students (stable split by student id), "
                   "e.g. for a job array; writes results only: run 'grade report' when all shards are done.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def run_command(ctx: click.Context, path: Path, out: Path, assignment: str | None, timeout: float,
                startup_timeout: float, workers: int | None, memory_mb: int, isolation: str,
                limit_args: tuple[str, ...], force: bool, rubrics_dir: Path | None, manual_csv: Path | None,
                roster: Path | None, config_path: Path | None, anonymise: bool | None, scheduler: str | None,
                shard_text: str | None, quiet: bool) -> None:
    """Grade every submission under PATH.

    PATH holds assignment folders (PATH/hw2/alice.py, PATH/hw2/bob.ipynb,
    PATH/hw2/carol/solution.py) or is one assignment folder. Results that are
    already up to date (same file content, rubric and grader version) are kept
    unless --force is given. The course configuration (grader.toml) gives the
    roster, due dates and late-work policies, limits and the hidden-input term.
    """
    from grader.course.roster import load_roster
    from grader.distributed.shard import parse_shard
    from grader.pipeline import run

    events = _console_events(quiet)
    try:
        shard = parse_shard(shard_text) if shard_text is not None else None
        course = _course(ctx, config_path, limit_args)
        settings: dict[str, Any] = {"isolation": isolation, **course.limits}
        limits = Limits(**settings)
        out = course.out or DEFAULT_OUT
        summary = run(path, out, assignment=assignment, rubrics_dir=course.rubrics, limits=limits,
                      workers=course.workers, force=force, manual_csv=manual_csv,
                      events=events, roster=load_roster(course.roster) if course.roster else None,
                      late_policies=course.late_policies, term=course.term,
                      similarity_threshold=course.similarity_threshold, anonymise=course.anonymise,
                      scheduler=scheduler, shard=shard)
    except GraderError as exc:
        events.finished()
        _fail(exc)
    _print_summary(summary, out, shard is None)
    if shard is not None:
        click.echo(f"Shard {shard}: results only ({out / 'results'}); when every shard is done: "
                   f"grade report --out {out}")


def _course(ctx: click.Context, config_path: Path | None, limit_args: tuple[str, ...]) -> CourseConfig:
    """The course configuration of ``grade run``: the file (if any), then the options given, then ``--limit``."""
    from grader.commands.config import command_line_values, limit_values
    from grader.course.config import CourseConfig, apply_command_line, find_config, load_config

    found = config_path or find_config(Path.cwd())
    course = load_config(found) if found else CourseConfig()
    given = command_line_values(ctx, {"out": "out", "workers": "workers", "rubrics_dir": "rubrics",
                                      "roster": "roster", "timeout": "limits.call_timeout",
                                      "startup_timeout": "limits.startup_timeout",
                                      "memory_mb": "limits.memory_mb", "anonymise": "anonymise"})
    return apply_command_line(course, {**given, **limit_values(limit_args)})


def _console_events(quiet: bool) -> RunEvents:
    """Skipped files and warnings on stderr, and a progress bar unless ``quiet``."""
    from tqdm import tqdm

    from grader.pipeline import RunEvents

    class Console(RunEvents):
        bar: Any = None

        def skipped(self, what: str) -> None:
            click.echo(f"skipped: {what}", err=True)

        def warning(self, message: str) -> None:
            click.echo(f"warning: {message}", err=True)

        def started(self, total: int) -> None:
            self.bar = tqdm(total=total, unit="submission", disable=quiet, file=sys.stderr, dynamic_ncols=True)

        def graded(self, sub: Submission, doc: dict[str, Any]) -> None:
            self.bar.set_postfix_str(f"{sub.assignment}/{sub.student} {doc['score']:g}/{doc['max_score']:g}")
            self.bar.update(1)

        def finished(self) -> None:  # also when the run fails: the bar is closed before the error is printed
            if self.bar is not None:
                self.bar.close()

    return Console()


def _print_summary(summary: RunSummary, out: Path, published: bool = True) -> None:
    by_assignment: dict[str, list[float]] = {}
    for doc in summary.documents:  # the mean of what was submitted: the missing are counted apart
        if doc.get("status") != "missing":
            by_assignment.setdefault(doc["assignment"], []).append(doc["score"] / max(doc["max_score"], 1e-12))
    click.echo(f"Graded {len(summary.graded)} submission(s), kept {len(summary.skipped)} up-to-date "
               f"result(s) in {summary.seconds:.1f} s.")
    for name, fractions in sorted(by_assignment.items()):
        mean = 100 * sum(fractions) / len(fractions)
        where = f"  -> {out / 'reports' / name / 'index.html'}" if published else ""
        click.echo(f"  {name}: {len(fractions)} student(s), mean {mean:.1f}%{where}")
    if summary.missing:
        click.echo(f"  {len(summary.missing)} roster student(s) without a submission (recorded as missing)")
    if summary.not_on_roster:
        click.echo("  not on the roster (graded, flagged): "
                   + ", ".join(f"{a}/{s}" for a, s in summary.not_on_roster))
    if published:
        click.echo(f"Gradebook: {out / 'gradebook.csv'}")


@cli.command("handout")
@click.argument("assignment")
@click.option("--format", "fmt", type=click.Choice(["ipynb", "py"]), default="ipynb", show_default=True,
              help="Notebook or Python module.")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File to write (default: handouts/ASSIGNMENT.FORMAT).")
@click.option("--rubrics", "rubrics_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Folder of rubric files (default: the project's rubrics/).")
def handout_command(assignment: str, fmt: str, out_path: Path | None, rubrics_dir: Path | None) -> None:
    """Write the student template of ASSIGNMENT: a documented stub per function.

    Generated from the rubric and the reference signatures and docstrings, so
    the handout and the grader cannot drift apart.
    """
    from grader.handout import write_handout
    from grader.rubric import load_rubrics

    try:
        rubrics = load_rubrics(rubrics_dir)
        if assignment not in rubrics:
            raise UsageError(f"unknown assignment {assignment!r}; known: {', '.join(sorted(rubrics))}")
        path = out_path or Path("handouts") / f"{assignment}.{fmt}"
        write_handout(rubrics[assignment], fmt, path)  # type: ignore[arg-type]
    except GraderError as exc:
        _fail(exc)
    click.echo(f"Wrote {path}")


@cli.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--assignment", required=True, metavar="NAME", help="Which assignment FILE solves.")
@click.option("--timeout", default=Limits.call_timeout, show_default=True, type=click.FloatRange(min=0.1),
              help="CPU seconds allowed for each call of a function (wall clock: 3 times, at least "
                   "10 s more).")
@click.option("--rubrics", "rubrics_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Folder of rubric files (default: the project's rubrics/).")
def check_command(file: Path, assignment: str, timeout: float, rubrics_dir: Path | None) -> None:
    """Self-check FILE (a .py or .ipynb) on the public checks only, before submitting.

    Runs exactly like grading, but only the public checks, whose inputs are
    the same for everyone; nothing about hidden checks is run or printed.
    The score shown is out of the public points only.
    """
    from grader.prestart import prestart

    limits = Limits(call_timeout=timeout, fork_server=0)  # one file: a fork server would only add a process
    prestart(limits)  # its import torch runs while the grader imports its own
    from grader.discover import Submission, sha256_file
    from grader.grading import grade_submission  # not grader.pipeline: no pandas, jinja2, filelock
    from grader.rubric import load_rubrics, public_only

    try:
        rubrics = load_rubrics(rubrics_dir)
        if assignment not in rubrics:
            raise UsageError(f"unknown assignment {assignment!r}; known: {', '.join(sorted(rubrics))}")
        if not file.is_file() or file.suffix not in (".py", ".ipynb"):
            raise UsageError(f"{str(file)!r} is not a .py or .ipynb file")
        rubric = public_only(rubrics[assignment])
        kind: Literal["module", "notebook"] = "module" if file.suffix == ".py" else "notebook"
        sub = Submission(assignment, file.stem, file, file, kind, sha256_file(file), file.name)
        doc = grade_submission(sub, rubric, limits)  # its one sandbox, started above; no preflight
        if doc["errors"] and all(i["status"] == "error" for i in doc["items"]):
            _sandbox_starts(limits)
    except GraderError as exc:
        _fail(exc)
    for error in doc["errors"]:
        click.echo(f"error: {error}")
    width = max(len(i["function"]) for i in doc["items"])
    for item in doc["items"]:
        click.echo(f"{item['function']:<{width}}  {item['score']:>5g} / {item['max_score']:<4g} {item['status']}")
        if item["status"] != "passed":
            for line in item["feedback"][:3]:
                click.echo(f"    {line}")
            if item.get("misconception"):
                click.echo(f"    hint: {item['misconception']['title']}")
    click.echo(f"Public checks: {doc['score']:g} / {doc['max_score']:g}. Hidden checks run on other "
               "inputs when your submission is graded; a function's public points count only if it "
               "also passes some of its hidden checks.")


def _sandbox_starts(limits: Limits) -> None:
    """After a submission that could not be run at all: tell a machine fault from the file's own.

    ``grade check`` starts one sandbox, for the file itself; only when
    nothing of it could be graded does a trivial sandbox (the preflight of
    ``grade run``) show whether sandboxes start on this machine.

    Raises
    ------
    GraderError
        If they do not (exit status 1, with the child's own message).
    """
    from grader.prestart import preflight

    preflight(limits)


@cli.command("report")
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_OUT,
              show_default=True, help="Output folder of an earlier 'grade run'.")
@click.option("--anonymise/--no-anonymise", default=None,
              help="Pseudonyms instead of student ids [default: as the last 'grade run' into --out].")
def report_command(out: Path, anonymise: bool | None) -> None:
    """Re-render the HTML reports (and the gradebook) from recorded results, without running any code."""
    from grader.publish import rerender

    paths = _from_results(out, "", lambda results_dir: rerender(out, anonymise))
    click.echo(f"Wrote {len(paths)} report(s) under {out / 'reports'}")


def _register_course_commands() -> None:
    """The course-operation commands, each in its own module of :mod:`grader.commands`."""
    from grader.commands.collect import collect_command
    from grader.commands.config import config_command
    from grader.commands.export import export_command
    from grader.commands.gradescope import gradescope_command
    from grader.commands.override import override_command

    cli.add_command(collect_command)
    cli.add_command(config_command)
    cli.add_command(export_command)
    cli.add_command(override_command)
    cli.add_command(gradescope_command)


_register_course_commands()


def main() -> None:
    """Console entry point of ``grade``: run the command, then end the process without tearing torch down.

    Exit handlers (:mod:`atexit`: the fork servers' shutdown among them) run
    and the standard streams are flushed, as at a normal exit; what is
    skipped is the interpreter's finalisation of every module, which costs
    about 0.7 s after ``import torch`` (a third of a plain ``python -c
    "import torch"``) and writes nothing. Every file the grader writes is
    closed (atomic writes) before the command returns.
    """
    import atexit

    try:
        cli(prog_name="grade")
        code = 0
    except SystemExit as exc:  # how click ends every command
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (grade ... | head)
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
