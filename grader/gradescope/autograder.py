"""What ``run_autograder`` runs: grade ``$AUTOGRADER_ROOT/submission/`` and write ``results/results.json``.

::

    python -m grader.gradescope.autograder [--root /autograder] [--source ROOT/source]

:func:`run` reads the bundle's ``gradescope.json`` and rubric from
``source/``, the submitter and due dates from ``submission_metadata.json``
(when present), finds the uploaded module, notebook or folder
(:func:`grader.gradescope.submission.find_submission`), grades it with
:func:`grader.grading.grade_submission` (the same sandbox, limits and checks
as ``grade run``) and writes :func:`grader.gradescope.results_json.results_json`.

A ``results.json`` is written for every outcome. The student's own
failures (a syntax error, a crash, a hang, missing functions) are graded
results with 0 points where they apply; a failure of the grader is a score
of 0 with a message saying so, and its traceback goes to the log
(``results/stdout`` on Gradescope, shown to instructors only); grading that
runs past the bundle's ``deadline_seconds`` ends with a result saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.gradescope.config import CONFIG_NAME, read_config
from grader.gradescope.metadata import read_metadata, student_id
from grader.gradescope.results_json import failure_results, results_json
from grader.gradescope.submission import find_submission

__all__ = ["GRADER_FAILED", "run", "main"]

#: What the student reads when the grader (not their code) failed.
GRADER_FAILED = ("The grader failed while grading your submission (a bug in the grader, not in your code), "
                 "so it was not graded: score 0 for now. The instructors have the details and will regrade it.")

_STDOUT_SHOWN = 4000  # characters of the student's printed output copied to the instructors' log


def _log(line: str) -> None:
    print(line, flush=True)


def _within(seconds: float, work: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """``work()``, or None when it has not finished after ``seconds`` (it is left running, daemonised)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="grading", daemon=True)
    thread.start()
    thread.join(max(1.0, seconds))
    if thread.is_alive():
        return None
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _log_document(doc: dict[str, Any]) -> None:
    """The instructors' view in the log: every function's score, errors, and what the student printed."""
    _log(f"{doc['assignment']}/{doc['student']}: {doc['score']:g} / {doc['max_score']:g}")
    for item in doc["items"]:
        _log(f"  {item['function']}: {item['score']:g} / {item['max_score']:g} {item['status']}")
    for line in doc["errors"] + doc["notes"]:
        _log(f"  {line}")
    if doc.get("stdout"):
        _log(f"--- the submission printed (first {_STDOUT_SHOWN} characters) ---")
        _log(doc["stdout"][:_STDOUT_SHOWN])


def _grade(root: Path, source: Path, start: float) -> tuple[dict[str, Any], bool]:
    """The results object, and whether grading finished (False: the deadline passed)."""
    import grader
    from grader.grading import grade_submission
    from grader.rubric import load_rubric, with_term

    _log(f"grader {grader.__version__} from {Path(grader.__file__).resolve().parent}")
    config = read_config(source / CONFIG_NAME)
    meta = read_metadata(root / "submission_metadata.json")
    for note in meta.notes:
        _log(f"note: {note}")
    rubric = with_term(load_rubric(source / "rubrics" / f"{config.assignment}.yaml"), config.term)
    sub = find_submission(root / "submission", config.assignment, student_id(meta))
    _log(f"grading {sub.rel_path or '(nothing)'} as {config.assignment}/{sub.student}")
    limits = config.sandbox_limits()
    left = config.deadline_seconds - (time.monotonic() - start)
    doc = _within(left, lambda: grade_submission(sub, rubric, limits))
    if doc is None:
        message = (f"Grading did not finish within {config.deadline_seconds:g} s (the autograder's time limit), "
                   "so no score could be given; make every function finish quickly and submit again.")
        _log(f"deadline of {config.deadline_seconds:g} s passed")
        return failure_results(message, execution_time=time.monotonic() - start), False
    _log_document(doc)
    notes = []
    if meta.details_shown_after is not None:
        notes.append(f"Hidden checks' details are shown after {meta.details_shown_after.isoformat()}.")
    return results_json(doc, execution_time=time.monotonic() - start, notes=notes), True


def _write(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def run(root: Path, source: Path | None = None) -> tuple[dict[str, Any], bool]:
    """Grade the submission under ``root`` and write ``root/results/results.json``.

    Parameters
    ----------
    root : Path
        The autograder folder (``/autograder`` on Gradescope): ``submission/``,
        optionally ``submission_metadata.json``, and ``results/`` (created).
    source : Path, optional
        The unpacked bundle (default ``root/source``).

    Returns
    -------
    (dict, bool)
        The ``results.json`` object written, and whether grading finished
        (False only when the deadline passed and grading is still running).
    """
    start = time.monotonic()
    source = source or root / "source"
    try:
        result, finished = _grade(root, source, start)
    except Exception:  # noqa: BLE001 - a grader failure is a result too, never a missing results.json
        _log("the grader failed:")
        traceback.print_exc(file=sys.stdout)
        result, finished = failure_results(GRADER_FAILED, execution_time=time.monotonic() - start), True
    _write(root / "results" / "results.json", result)
    _log(f"wrote {root / 'results' / 'results.json'}: score {result['score']:g}")
    return result, finished


def main(argv: list[str] | None = None) -> None:
    """Command-line entry of ``run_autograder``.

    Parameters
    ----------
    argv : list of str, optional
        ``--root DIR`` (default ``$AUTOGRADER_ROOT`` or ``/autograder``) and
        ``--source DIR`` (default ``ROOT/source``).
    """
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope.autograder")
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("AUTOGRADER_ROOT", "/autograder")))
    parser.add_argument("--source", type=Path, default=None)
    args = parser.parse_args(argv)
    _, finished = run(args.root, args.source)
    sys.stdout.flush()
    if not finished:  # a sandbox is still running in the grading thread: leave without waiting for it
        os._exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
