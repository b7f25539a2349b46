"""The render/export stage of a run: manual scores, reports, gradebook, manifest, similarity.

Everything here is a function of the result documents (and, for the
similarity report, of the submissions' code): no student code runs. A
``grade run`` calls :func:`merge_manual` and :func:`publish` after grading
(:func:`grader.pipeline.run`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.limits import Limits
from grader.manual import ManualScores, apply_manual
from grader.record import result_path, write_manifest
from grader.report.render import write_reports
from grader.results import write_result, write_text_atomic
from grader.rubric import Rubric

if TYPE_CHECKING:
    from grader.discover import Submission
    from grader.similarity.render import SimilaritySummary

__all__ = ["merge_manual", "publish", "publication_key", "rerender", "similarity_reports"]

#: Where a run records the key of what it published (see :func:`publication_key`).
PUBLISHED = ".published"
#: The code that writes what :func:`publish` writes: a change to it changes the key.
_PUBLISHING_CODE = ("report", "similarity", "gradebook.py", "publish.py", "record.py", "results")


def merge_manual(documents: list[dict[str, Any]], rubrics: dict[str, Rubric], manual: ManualScores, out: Path,
                 warn: Callable[[str], None]) -> None:
    """Merge instructor scores into the documents and rewrite those that changed.

    Parameters
    ----------
    documents : list of dict
        The run's result documents (changed in place).
    rubrics : dict
        Assignment -> rubric.
    manual : ManualScores
        From :func:`grader.manual.read_manual_scores`.
    out : Path
        The output folder (documents under ``out/results``).
    warn : callable
        Told about scores of students who have no result document.
    """
    for doc in documents:
        if apply_manual(doc, rubrics[doc["assignment"]], manual):
            write_result(result_path(out, doc["assignment"], doc["student"]), doc)
    known = {(d["student"], d["assignment"]) for d in documents}
    for student, name in sorted(set(manual) - known):
        warn(f"manual scores for {student}/{name}, who has no submission")


def similarity_reports(out: Path, submissions: Iterable[Submission], rubrics: dict[str, Rubric],
                       threshold: float | None = None,
                       display_name: Callable[[str], str] = str) -> list[SimilaritySummary]:
    """The similarity report of every assignment of the run (issue 10.8); it never changes a score.

    Parameters
    ----------
    out : Path
        The output folder: pages go to ``out/reports/<assignment>/similarity/``.
    submissions : iterable of Submission
        The run's submissions (their code is read, never run).
    rubrics : dict
        Assignment -> rubric (its handout is the boilerplate).
    threshold : float, optional
        Similarity from which a pair is shown (default: the similarity module's).
    display_name : callable
        Student id -> the name shown (a pseudonym when anonymising).

    Returns
    -------
    list of SimilaritySummary
        One per assignment with at least two readable submissions.
    """
    from grader.similarity.extract import handout_code
    from grader.similarity.render import similarity_for_assignment

    by_assignment: dict[str, list[Submission]] = {}
    for sub in submissions:
        by_assignment.setdefault(sub.assignment, []).append(sub)
    summaries = []
    for name, subs in sorted(by_assignment.items()):
        if len(subs) >= 2:
            summaries.append(similarity_for_assignment(out, name, subs, handout_code(rubrics[name]), threshold,
                                                       display_name))
    return summaries


def publication_key(out: Path, rubrics: dict[str, Rubric], limits: Limits, missing: tuple[str, ...],
                    submissions: list[Submission], similarity_threshold: float | None, anonymise: bool,
                    salt: str) -> str:
    """SHA-256 of everything :func:`publish` reads: equal keys mean equal pages, gradebook and manifest.

    It covers the bytes of every file under ``out/results``, the submissions'
    paths and hashes, the rubrics' hashes, the limits, what the sandbox
    lacked, the similarity threshold, the anonymisation and its salt, and
    the source of the code that writes the outputs (``grader/report``,
    ``grader/similarity``, the gradebook, the manifest), so a changed
    template publishes again.

    Returns
    -------
    str
        Hex digest.

    Raises
    ------
    OSError
        If a result file or a file of the rendering code cannot be read.
    """
    h = hashlib.sha256()

    def put(tag: str, data: bytes) -> None:
        h.update(f"{tag}:{len(data)}:".encode())
        h.update(data)

    package = Path(__file__).resolve().parent
    for name in _PUBLISHING_CODE:
        root = package / name
        for path in sorted(root.rglob("*") if root.is_dir() else [root]):
            if path.is_file() and path.suffix in (".py", ".j2", ".css", ".js", ".html"):
                put(str(path.relative_to(package)), path.read_bytes())
    results = out / "results"
    for path in sorted(results.rglob("*")) if results.is_dir() else []:
        if path.is_file():
            put(str(path.relative_to(results)), path.read_bytes())
    put("submissions", json.dumps(sorted((s.assignment, s.student, s.rel_path, s.sha256)
                                         for s in submissions)).encode())
    put("run", json.dumps({"rubrics": sorted((k, r.sha256) for k, r in rubrics.items()),
                           "limits": dataclasses.asdict(limits), "missing": list(missing),
                           "threshold": similarity_threshold, "anonymise": anonymise, "salt": salt},
                          sort_keys=True, default=str).encode())
    return h.hexdigest()


def _already_published(out: Path, key: str) -> bool:
    try:
        recorded = (out / PUBLISHED).read_text().strip()
    except OSError:
        return False
    outputs = (out / "gradebook.csv", out / "manifest.json", out / "reports")
    return recorded == key and all(p.exists() for p in outputs)


def publish(out: Path, rubrics: dict[str, Rubric], limits: Limits, missing: tuple[str, ...], *,
            submissions: Iterable[Submission] = (), similarity_threshold: float | None = None,
            anonymise: bool = False, salt: str = "") -> None:
    """Similarity report, reports, gradebook and manifest, from the documents under ``out/results``.

    Parameters
    ----------
    out : Path
        The output folder.
    rubrics : dict
        Assignment -> rubric (recorded in the manifest).
    limits : Limits
        The run's sandbox limits (recorded in the manifest).
    missing : tuple of str
        What the host's sandbox lacked (recorded in the manifest).
    submissions : iterable of Submission, optional
        The run's submissions, for the similarity report (none: no report).
    similarity_threshold : float, optional
        See :func:`similarity_reports`.
    anonymise : bool, optional
        Show stable pseudonyms instead of student ids in the reports, the
        overview and the similarity report (the gradebook keeps real ids;
        ``out/pseudonyms.csv`` maps them back).
    salt : str, optional
        Key of the pseudonyms (the course's ``term``).

    Notes
    -----
    When :func:`publication_key` equals the key recorded by the last
    publication in ``out`` (``out/.published``) and its outputs exist,
    nothing is rewritten: an unchanged regrade costs no similarity analysis
    and no rendering.

    Raises
    ------
    OSError
        If the output folder is not writable.
    """
    subs = list(submissions)
    key = publication_key(out, rubrics, limits, missing, subs, similarity_threshold, anonymise, salt)
    if _already_published(out, key):  # an unchanged regrade: the pages on disk are these pages
        return
    (out / PUBLISHED).unlink(missing_ok=True)  # a run killed from here on publishes again next time
    shown: Callable[[str], str] = str
    if anonymise:
        from grader.report.pseudonyms import pseudonyms

        shown = pseudonyms(sorted({s.student for s in subs}), salt).__getitem__
    if subs:  # before the reports, so that the overview links it
        similarity_reports(out, subs, rubrics, similarity_threshold, shown)
    from grader.gradebook import write_gradebook  # pandas (0.2 s): not on an unchanged regrade

    write_reports(out / "results", out / "reports", anonymise=anonymise, salt=salt)
    write_gradebook(out / "results", out / "gradebook.csv")
    write_manifest(out, rubrics, limits, missing, anonymise)
    write_text_atomic(out / PUBLISHED, key + "\n")


def rerender(out: Path, anonymise: bool | None = None, salt: str | None = None) -> list[Path]:
    """Re-make the reports and the gradebook of an earlier run, keeping its anonymisation.

    Parameters
    ----------
    out : Path
        Output folder of an earlier ``grade run``.
    anonymise : bool, optional
        Pseudonyms or ids; default: as the last run into ``out`` had it
        (:func:`grader.record.reports_anonymised`).
    salt : str, optional
        Key of the pseudonyms; default: the course configuration's ``term``
        (``grader.toml`` found from the current folder; empty without one).

    Returns
    -------
    list of Path
        The report pages written.

    Raises
    ------
    GraderError
        If a result document or the course configuration is unusable.
    OSError
        If the output folder is not writable.
    """
    from grader.gradebook import write_gradebook
    from grader.record import reports_anonymised

    anonymised = reports_anonymised(out) if anonymise is None else anonymise
    if salt is None:
        from grader.course.config import find_config, load_config

        found = find_config(Path.cwd())
        salt = load_config(found).term if found else ""
    pages = write_reports(out / "results", out / "reports", anonymise=anonymised, salt=salt)
    write_gradebook(out / "results", out / "gradebook.csv")
    return pages
