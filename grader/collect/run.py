"""The whole of ``grade collect``: read, detect, parse, match, choose, write; and its summary.

:func:`collect` is what the command calls (tests call it directly);
:func:`summary_lines` is what the command prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.collect import canvas, gradescope, moodle
from grader.collect import folder as plain_folder
from grader.collect.detect import FORMATS, detect
from grader.collect.extract import ExtractLimits, read_source
from grader.collect.model import Collected, Listing, Parsed
from grader.collect.write import WriteReport, choose_latest, write_submissions
from grader.course.roster import Roster, load_roster
from grader.errors import UsageError

__all__ = ["CollectReport", "collect", "summary_lines"]

_PARSERS: dict[str, Callable[[Listing, Roster | None], Parsed]] = {
    "canvas": canvas.parse, "gradescope": gradescope.parse, "moodle": moodle.parse}


@dataclass
class CollectReport:
    """Everything one ``grade collect`` did, for the summary and for tests.

    Attributes
    ----------
    fmt, reason : str
        The platform used and why (given by ``--from`` or detected).
    listing : Listing
        What was read and refused.
    parsed : Parsed
        The parser's submissions and messages.
    chosen : list of Collected
        One submission per student (the latest).
    superseded : list of str
        Messages naming the older submissions left out.
    written : WriteReport
        Files written, unchanged, refused; the index path.
    missing : list of str
        Roster students with no submission in the download.
    """

    fmt: str
    reason: str
    listing: Listing
    parsed: Parsed
    chosen: list[Collected] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    written: WriteReport = field(default_factory=WriteReport)
    missing: list[str] = field(default_factory=list)

    @property
    def not_on_roster(self) -> list[str]:
        """Students collected under a derived id because no roster row matched."""
        return [s.student for s in self.chosen if s.on_roster is False]

    @property
    def unknown_times(self) -> list[str]:
        """Students whose submission time the download does not give."""
        return [s.student for s in self.chosen if s.submitted_at is None]


def _parse(listing: Listing, fmt: str, roster: Roster | None, assignment: str) -> Parsed:
    if fmt == "folder":
        return plain_folder.parse(listing, roster, assignment)
    return _PARSERS[fmt](listing, roster)


def collect(source: Path, assignment: str, *, fmt: str = "auto", roster_path: Path | None = None,
            into: Path = Path("submissions"), force: bool = False,
            max_file_mb: float | None = None) -> CollectReport:
    """Turn an LMS bulk download into ``INTO/<assignment>/`` plus ``index.csv``.

    Parameters
    ----------
    source : Path
        A zip archive or an unpacked folder.
    assignment : str
        The assignment (a plain folder name).
    fmt : {"auto", "canvas", "gradescope", "moodle", "folder"}
        The platform; ``auto`` decides from the names (:func:`~grader.collect.detect.detect`).
    roster_path : Path, optional
        The class roster (:func:`grader.course.roster.load_roster`).
    into : Path
        The submissions folder; nothing is written outside it.
    force : bool
        Replace a different existing submission of the same student.
    max_file_mb : float, optional
        Largest file accepted (default: the sandbox's file limit, 16 MiB).

    Returns
    -------
    CollectReport

    Raises
    ------
    UsageError
        For an unknown ``fmt``, an unreadable roster, a source that is neither
        a zip archive nor a folder, a Gradescope export without readable
        metadata, or an assignment name that is not a plain folder name.
    """
    if fmt != "auto" and fmt not in FORMATS:
        raise UsageError(f"--from {fmt!r} is not one of auto, {', '.join(FORMATS)}")
    if max_file_mb is not None and max_file_mb <= 0:
        raise UsageError("--max-file-mb must be a positive number")
    roster = load_roster(roster_path) if roster_path is not None else None
    limits = ExtractLimits() if max_file_mb is None else ExtractLimits(max_file_bytes=int(max_file_mb * (1 << 20)))
    listing = read_source(Path(source), limits)
    if fmt == "auto":
        fmt, reason = detect(listing)
    else:
        reason = "given with --from"
    parsed = _parse(listing, fmt, roster, assignment)
    within = [m for s in parsed.submissions for m in s.superseded]
    chosen, superseded = choose_latest(parsed.submissions)
    superseded = within + superseded
    report = CollectReport(fmt, reason, listing, parsed, chosen, superseded)
    report.written = write_submissions(chosen, Path(into), assignment, force=force)
    if roster is not None:
        have = {s.student for s in chosen}
        report.missing = [s for s in roster.students if s not in have]
    return report


def _listed(label: str, items: list[str], limit: int = 20) -> list[str]:
    if not items:
        return []
    shown = items[:limit] + ([f"... and {len(items) - limit} more"] if len(items) > limit else [])
    return [f"{label}:"] + [f"  - {i}" for i in shown]


def summary_lines(report: CollectReport, verbose: bool = False) -> list[str]:
    """The lines ``grade collect`` prints: counts first, then what needs attention.

    Parameters
    ----------
    report : CollectReport
    verbose : bool
        Also list every per-submission message.

    Returns
    -------
    list of str
    """
    w = report.written
    lines = [f"Read {report.listing.source} as {report.fmt} ({report.reason}).",
             f"Collected {len(report.chosen)} student(s): {len(w.written)} written, {len(w.unchanged)} unchanged, "
             f"{len(w.refused)} not written.",
             f"{len(report.listing.refused)} refused entr{'y' if len(report.listing.refused) == 1 else 'ies'}, "
             f"{len(report.not_on_roster)} not on the roster, submission time unknown for "
             f"{len(report.unknown_times)}."]
    if any(s.on_roster is None for s in report.chosen):
        lines.append("No roster given: student ids are derived from the names in the download "
                     "(lowercase, non-alphanumerics as '_').")
    lines += _listed("Refused entries", report.listing.refused)
    lines += _listed("Not written", w.refused)
    lines += _listed("Not on the roster (collected under a derived id)", report.not_on_roster)
    lines += _listed("On the roster but not in the download", report.missing)
    lines += _listed("Superseded resubmissions", report.superseded)
    lines += _listed("Notes", report.parsed.messages)
    if verbose:
        for s in report.chosen:
            lines += _listed(f"{s.student} ({s.original_name})", s.messages)
    lines.append(f"Index: {w.index}")
    return lines
