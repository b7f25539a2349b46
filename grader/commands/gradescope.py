"""``grade gradescope``: build a Gradescope autograder zip, or run one locally.

::

    grade gradescope build ASSIGNMENT [--rubrics DIR] [--limit KEY=VALUE ...] [--config FILE] --out autograder.zip
    grade gradescope run [--root DIR]

``build`` validates the rubric (as ``grade run`` would load it), takes the
course configuration's ``term`` (hidden inputs stay those of ``grade run``
for the same student id) and writes :func:`grader.gradescope.bundle.build_bundle`.
``run`` is what the zip's ``run_autograder`` does, for trying a bundle
outside Gradescope (:mod:`grader.gradescope.autograder`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from grader.errors import GraderError, UsageError

__all__ = ["gradescope_command"]


def _fail(exc: GraderError) -> NoReturn:
    click.echo(f"grade: error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group("gradescope")
def gradescope_command() -> None:
    """Run the grader as a Gradescope autograder (build the zip, or try it locally)."""


@gradescope_command.command("build")
@click.argument("assignment")
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), default=Path("autograder.zip"),
              show_default=True, help="The zip to upload to Gradescope.")
@click.option("--rubrics", "rubrics_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of rubric files (default: the course config's, else the project's rubrics/).")
@click.option("--limit", "limit_args", multiple=True, metavar="KEY=VALUE",
              help="Change a sandbox limit of the bundle (repeatable; defaults fit Gradescope's 768 MB, "
                   "half-CPU container: see docs/gradescope.md).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="Course configuration whose term salts hidden inputs [default: grader.toml "
                                 "found from the current folder].")
def build_command(assignment: str, out: Path, rubrics_dir: Path | None, limit_args: tuple[str, ...],
                  config_path: Path | None) -> None:
    """Write the Gradescope autograder zip of ASSIGNMENT (setup.sh, run_autograder, the grader, the rubric)."""
    import grader
    from grader.course.config import CourseConfig, find_config, load_config
    from grader.gradescope.bundle import build_bundle
    from grader.gradescope.config import GRADESCOPE_LIMITS, BundleConfig
    from grader.limits import parse_limit
    from grader.rubric import default_rubrics_dir, load_rubrics

    try:
        found = config_path or find_config(Path.cwd())
        course = load_config(found) if found else CourseConfig()
        folder = rubrics_dir or course.rubrics or default_rubrics_dir()
        rubrics = load_rubrics(folder)
        if assignment not in rubrics:
            raise UsageError(f"unknown assignment {assignment!r}; known: {', '.join(sorted(rubrics))}")
        limits = dict(GRADESCOPE_LIMITS)
        for text in limit_args:
            try:
                key, value = parse_limit(text)
            except ValueError as exc:
                raise UsageError(f"--limit {exc}") from None
            limits[key] = value
        config = BundleConfig(assignment, limits, course.term, grader_version=grader.__version__)
        info = build_bundle(config, Path(folder) / f"{assignment}.yaml", out)
    except GraderError as exc:
        _fail(exc)
    click.echo(f"Wrote {info.path} ({info.size / 1e6:.2f} MB, {info.entries} files): upload it as the "
               f"autograder of {assignment} on Gradescope.")


@gradescope_command.command("run")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder laid out as on Gradescope (source/, submission/, results/) "
                   "[default: $AUTOGRADER_ROOT, else /autograder].")
def run_command(root: Path | None) -> None:
    """Grade ROOT/submission with the bundle in ROOT/source and write ROOT/results/results.json."""
    from grader.gradescope.autograder import main

    main(["--root", str(root)] if root else [])
