"""Result documents as two runs of the same class must agree on them: without the clock.

Used to check that a distributed, sharded or fork-server run wrote exactly
what a local run writes (the tests of :mod:`grader.distributed`,
``bench/throughput.py``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["normalised", "documents"]

_SECONDS = re.compile(r"\d+(\.\d+)?(e-?\d+)? ?(s|ms|seconds)\b")


def normalised(value: Any) -> Any:
    """A document (or any JSON value) without what depends on the clock.

    Parameters
    ----------
    value : JSON value
        A result document, or part of one.

    Returns
    -------
    JSON value
        The same, without ``graded_at`` keys and with every measured duration
        in a string (``"(10.0001 s)"``, ``"3 ms"``) replaced by ``<t>``.
    """
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items() if k != "graded_at"}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, str):
        return _SECONDS.sub("<t>", value)
    return value


def documents(out: Path) -> dict[str, Any]:
    """Every result document under ``out/results``, normalised, by path.

    Parameters
    ----------
    out : Path
        Output folder of a run.

    Returns
    -------
    dict
        ``"results/<assignment>/<student>.json"`` -> :func:`normalised` document.

    Raises
    ------
    OSError, ValueError
        If a document cannot be read or is not JSON.
    """
    out = Path(out)
    return {str(p.relative_to(out)): normalised(json.loads(p.read_text()))
            for p in sorted((out / "results").rglob("*.json"))}
