"""``grade collect``: turn an LMS bulk download into ``submissions/<assignment>/`` (see :mod:`grader.collect`).

Exit status 0 when the download was read, whatever was refused inside it
(each refusal is listed); 2 for unusable input: not a zip archive or folder,
an unknown ``--from``, an unreadable roster, a bad assignment name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.errors import GraderError
from grader.limits import Limits

__all__ = ["collect_command"]


@click.command("collect")
@click.argument("source", metavar="ARCHIVE_OR_FOLDER", type=click.Path(path_type=Path))
@click.option("--assignment", required=True, metavar="NAME", help="Assignment the download is for.")
@click.option("--from", "fmt", type=click.Choice(["auto", "canvas", "gradescope", "moodle", "folder"]),
              default="auto", show_default=True,
              help="Where the download comes from; auto decides from the file names and says why.")
@click.option("--roster", "roster_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="FILE.csv", help="Class roster: maps LMS ids, e-mails and names to student ids.")
@click.option("--into", "into", type=click.Path(path_type=Path, file_okay=False), default=Path("submissions"),
              show_default=True, help="Submissions folder; files go to INTO/NAME/, nothing is written elsewhere.")
@click.option("--force", is_flag=True, help="Replace a different existing submission of the same student.")
@click.option("--max-file-mb", "max_file_mb", type=click.FloatRange(min=0, min_open=True),
              default=float(Limits.file_mb), show_default=True, help="Largest file accepted from the download.")
def collect_command(source: Path, assignment: str, fmt: str, roster_path: Path | None, into: Path,
                    force: bool, max_file_mb: float) -> None:
    """Turn an LMS bulk download (zip or unpacked folder) into INTO/NAME/<student>.py|.ipynb|/.

    Canvas "Download Submissions", Gradescope "Export Submissions", a Moodle
    assignment download, or a folder in the layout 'grade run' reads. Writes
    INTO/NAME/index.csv (student, original_name, submitted_at, late,
    source_id, path). Unsafe entries (../, absolute paths, links, nested
    archives, files over --max-file-mb) are refused and listed.
    """
    from grader.collect.run import collect, summary_lines

    try:
        report = collect(source, assignment, fmt=fmt, roster_path=roster_path, into=into, force=force,
                         max_file_mb=max_file_mb)
    except GraderError as exc:
        click.echo(f"grade: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"grade: error: {where}{exc.strerror or exc}", err=True)
        sys.exit(1)
    for line in summary_lines(report):
        click.echo(line)
