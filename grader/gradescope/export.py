"""``grade export --format gradescope``: a ``results.json`` per graded student, from recorded results.

For instructors who grade with ``grade run`` and upload the outcome: every
document under ``results/`` (``missing`` ones, roster students without a
submission, are left out) becomes ``OUT/<assignment>/<student>/results.json``,
built by :func:`grader.gradescope.results_json.results_json` exactly as the
autograder builds it (same tests, same visibility). No student code runs;
``execution_time`` is left out (it was not measured by Gradescope).
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from pathlib import Path

from grader.gradescope.results_json import results_json

__all__ = ["write_gradescope_results"]


def write_gradescope_results(results_dir: Path, out: Path, assignments: Collection[str] = ()) -> list[Path]:
    """Write ``out/<assignment>/<student>/results.json`` for every graded student.

    Parameters
    ----------
    results_dir : Path
        The ``results`` folder of a ``grade run`` output folder.
    out : Path
        The folder to write into (created).
    assignments : collection of str, optional
        Only these assignments (default: all).

    Returns
    -------
    list of Path
        The files written, in document order.

    Raises
    ------
    grader.results.ResultError
        If a stored document is invalid (nothing is written then).
    OSError
        If the results cannot be read or ``out`` cannot be written.
    """
    from grader.results import load_results

    docs = [d for d in load_results(results_dir)
            if d.get("status", "graded") != "missing" and (not assignments or d["assignment"] in assignments)]
    written = []
    for doc in docs:
        path = out / doc["assignment"] / doc["student"] / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(".results.json.partial")
        tmp.write_text(json.dumps(results_json(doc), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written
