"""Time grading per submission, and peak memory, on a folder of submissions.

Grades every submission sequentially in this process (one sandbox each, as
``grade run --workers 1`` does) and prints, for each, the wall time, the
grader's own CPU time and the CPU time the rest of the machine used meanwhile
(its sandbox: the student's code, the fork server, the kernel's work for
them; and whatever else runs on the machine, so measure on a quiet one);
then the total and the peak resident memory of the grader and of the
largest sandbox child.

Usage::

    python bench/timing.py submissions/                 # every assignment
    python bench/timing.py submissions/hw2 --isolation none
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throughput import machine_cpu_seconds  # noqa: E402 - bench/, this script's folder

from grader.closer import drain  # noqa: E402
from grader.discover import discover  # noqa: E402
from grader.limits import Limits  # noqa: E402
from grader.pipeline import grade_submission  # noqa: E402
from grader.prestart import preflight  # noqa: E402
from grader.rubric import load_rubrics  # noqa: E402


def _own_cpu_seconds() -> float:
    """CPU seconds (user + system) this process has used, its threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    """Print per-submission timings; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--isolation", default="auto", choices=["auto", "bwrap", "none"])
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args(argv)

    rubrics = load_rubrics()
    limits = Limits(call_timeout=args.timeout, isolation=args.isolation)
    start = time.perf_counter()
    preflight(limits)
    startup = time.perf_counter() - start
    rows = []
    for sub in discover(args.path, rubrics).submissions:
        t0, own0, machine0 = time.perf_counter(), _own_cpu_seconds(), machine_cpu_seconds()
        doc = grade_submission(sub, rubrics[sub.assignment], limits)
        seconds = time.perf_counter() - t0
        drain()  # the sandbox's clean-up (its processes' exit) is counted in its CPU, not the next one's
        own = _own_cpu_seconds() - own0
        rows.append((f"{sub.assignment}/{sub.student}", seconds, own, machine_cpu_seconds() - machine0 - own,
                     doc["score"], doc["max_score"]))
    total = time.perf_counter() - start
    print(f"{'submission':32s} {'wall':>8s} {'grader CPU':>11s} {'rest CPU':>9s}   score")
    for name, seconds, own, rest, score, max_score in rows:
        print(f"{name:32s} {seconds:6.2f} s {own:9.3f} s {max(rest, 0.0):7.3f} s   {score:6.1f} / {max_score:g}")
    times = [r[1] for r in rows]
    print(f"median CPU per submission: grader {statistics.median(r[2] for r in rows):.3f} s, rest of the machine "
          f"{statistics.median(r[3] for r in rows):.3f} s (/proc/stat, {os.sysconf('SC_CLK_TCK')} ticks a second)")
    print(f"sandbox start-up (pre-flight, python + torch): {startup:.2f} s")
    print(f"{len(rows)} submissions: total {total:.1f} s, per submission median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s (isolation {args.isolation})")
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak resident memory: grader {me:.0f} MiB, largest sandbox child {kids:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
