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

With ``--scheduler`` it measures Dask instead (issue 12): a local Dask
cluster (``distributed.LocalCluster``, worker processes of one thread each)
with 1, then 2 workers grades the class through ``run(..., scheduler=...)``;
it prints the wall time per submission of each, the speed-up, and checks
that both wrote the documents of each other (exit 1 if not).

Usage::

    python bench/throughput.py                      # submissions/, isolation auto
    python bench/throughput.py submissions/hw2 --isolation none
    python bench/throughput.py --scheduler          # 1 vs 2 Dask workers (pip install -e ".[dask]")
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.distributed.compare import documents as _documents  # noqa: E402
from grader.limits import Limits  # noqa: E402
from grader.pipeline import run  # noqa: E402


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
    parser.add_argument("--scheduler", action="store_true", help="1 vs 2 local Dask workers instead")
    args = parser.parse_args(argv)
    if args.scheduler:
        return _dask_workers(args.path, Limits(call_timeout=args.timeout, isolation=args.isolation))

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


def _worker_rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def _grade_on_dask(path: Path, limits: Limits, workers: int) -> tuple[float, int, dict[str, Any]]:
    """Grade ``path`` on a fresh local Dask cluster of ``workers`` one-thread worker processes.

    The cluster is started (and its workers joined) before the clock starts;
    each worker's first task (rubric import, sandbox preflight) is timed.
    Prints each worker process's resident memory after the run (its sandbox
    children are processes of their own, not counted).
    """
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, tempfile.TemporaryDirectory(prefix="grader-dask-") as tmp:
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        summary = run(path, out, limits=limits, force=True, scheduler=cluster.scheduler_address)
        seconds = time.perf_counter() - t0
        with Client(cluster, set_as_default=False) as client:
            rss = client.run(_worker_rss)
        print("  worker processes' resident memory after the run: "
              + ", ".join(f"{v / 2**20:.0f} MiB" for v in rss.values()))
        return seconds, len(summary.graded), _documents(out)


def _dask_workers(path: Path, limits: Limits) -> int:
    """Issue 12's figures: 1 vs 2 Dask workers on this machine; 0 if both wrote the same documents."""
    rows = {n: _grade_on_dask(path, limits, n) for n in (1, 2)}
    for n, (seconds, count, _) in rows.items():
        print(f"dask, {n} worker(s): {count} submissions in {seconds:6.1f} s = {seconds / max(count, 1):.3f} s "
              f"per submission, {3600 * count / seconds:.0f} submissions/hour (isolation {limits.isolation})")
    speedup = rows[1][0] / rows[2][0]
    print(f"throughput 2 workers / 1 worker: {speedup:.2f}x (target >= 1.8x on 2 cores)")
    different = _differences(rows[1][2], rows[2][2])
    if different:
        print(f"result documents DIFFER for {len(different)}: " + ", ".join(different[:10]))
        return 1
    print(f"result documents identical with 1 and 2 workers ({len(rows[1][2])} documents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
