"""Grading throughput with and without the fork server, on one worker.

Grades a class (default: the bundled 48-student sample, ``submissions/``)
twice with ``workers=1`` through :func:`grader.pipeline.run` (``force=True``,
each run into its own temporary folder): once spawning a fresh sandbox
process per submission, once forking each child from the worker's zygote
(``fork_server=1``). Prints the wall time per submission of each run, their
ratio and, as a reference measured in the same run, the time of
``python -c "import torch"``; then checks that the two runs wrote identical
result documents, ignoring ``graded_at`` and measured durations in
messages (``"(10.0001 s)"``). Exits 1 if they differ.

Usage::

    python bench/throughput.py                      # submissions/, isolation auto
    python bench/throughput.py submissions/hw2 --isolation none
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.limits import Limits  # noqa: E402
from grader.pipeline import run  # noqa: E402

_SECONDS = re.compile(r"\d+(\.\d+)?(e-?\d+)? ?(s|ms|seconds)\b")


def _normalised(value: Any) -> Any:
    """The document without what depends on the clock."""
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in value.items() if k != "graded_at"}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    if isinstance(value, str):
        return _SECONDS.sub("<t>", value)
    return value


def _documents(out: Path) -> dict[str, Any]:
    return {str(p.relative_to(out)): _normalised(json.loads(p.read_text()))
            for p in sorted((out / "results").rglob("*.json"))}


def _import_torch_seconds(repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import torch"], check=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def _grade(path: Path, limits: Limits) -> tuple[float, int, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="grader-throughput-") as tmp:
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        summary = run(path, out, limits=limits, workers=1, force=True)
        seconds = time.perf_counter() - t0
        return seconds, len(summary.graded), _documents(out)


def _differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def main(argv: list[str] | None = None) -> int:
    """Grade in both modes, print the figures; 0 if the documents agree, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, nargs="?", default=ROOT / "submissions")
    parser.add_argument("--isolation", default="auto", choices=["auto", "bwrap", "none"])
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args(argv)

    torch_seconds = _import_torch_seconds()
    rows = {}
    for name, fork in (("spawn", 0), ("fork", 1)):
        limits = Limits(call_timeout=args.timeout, isolation=args.isolation, fork_server=fork)
        rows[name] = _grade(args.path, limits)
        seconds, n, _ = rows[name]
        print(f"{name:5s}: {n} submissions in {seconds:6.1f} s = {seconds / max(n, 1):.3f} s per submission "
              f"(workers 1, isolation {args.isolation})")
    spawn, fork = rows["spawn"][0] / max(rows["spawn"][1], 1), rows["fork"][0] / max(rows["fork"][1], 1)
    print(f"ratio spawn / fork: {spawn / fork:.2f}x; per-submission saving {spawn - fork:.3f} s")
    print(f'reference, same run: python -I -c "import torch" takes {torch_seconds:.3f} s (best of 3)')
    different = _differences(rows["spawn"][2], rows["fork"][2])
    if different:
        print(f"result documents DIFFER for {len(different)} of {len(rows['spawn'][2])}: "
              + ", ".join(different[:10]))
        return 1
    print(f"result documents identical in both modes ({len(rows['spawn'][2])} documents, "
          "graded_at and durations ignored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
