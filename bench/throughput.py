"""Grading throughput on this machine: issue 9's figures, each as a ratio to T_torch.

By default it prints, in one run (6 minutes on 2 idle cores, 13 on busy ones), with the
fork server on (``Limits(fork_server=1)``):

1. **T_torch**: wall time of ``python -I -c "import torch"``, median of 5;
   the machine is shared, so every figure is also given as a ratio to it.
2. **Seconds per ordinary hw2 submission**, median and p95, at 1 and at 2
   workers: the bundled ``submissions/hw2`` class without ``kurt_goedel``
   (its ``dsm_loss`` never returns, on purpose, so it waits out the call
   timeout), copied ``--rounds`` times (distinct ids, a comment added);
   each round is graded by :func:`grader.pipeline.grade_all` at 1 and at 2
   workers in turn (the order alternating between rounds), through a local
   dispatch that times each :func:`~grader.grading.grade_submission` call.
   Steady state: each worker thread grades one notebook first (not
   counted), so its fork server and the notebook reader are warm.
   Throughput = gradings / wall time of the ``grade_all`` calls.
3. **A 300-submission hw2 class at 2 workers**: wall time of
   ``run(..., workers=2)`` (reports and similarity included) in a
   subprocess, on copies of the ordinary submissions made distinct (a
   comment in ``.py`` files, a metadata field in notebooks); split into
   grading and publishing by ``run``'s progress events. Copies of one
   submission are near-identical, so the similarity report flags every
   pair of them (printed): far more pages than a real class.
4. **Peak resident memory** of that subprocess and all its children: the
   process tree read from ``/proc`` every 0.2 s, the peak of the sum of
   RSS (and of PSS, which counts pages shared with the fork server once).
5. **An unchanged regrade**: ``grade run`` again on that graded folder.
6. **grade check** on one ordinary hw2 file (median of 3).
7. **nbgrader 0.9.6 autograde vs grade run** on 19 notebooks, one worker
   each (``bench/nbgrader_compare.py``; ``--skip-nbgrader`` leaves it out).

then the issue's targets beside the measured values, met or not, with the
command line, the date and the load average at start and end.

``--modes`` instead compares spawning a sandbox per submission with the
fork server on one worker (``run(..., workers=1)`` each, documents compared:
exit 1 if they differ). ``--scheduler`` instead measures 1 vs 2 local Dask
workers (``distributed.LocalCluster``, one thread each) grading the class
through ``run(..., scheduler=...)``, documents compared.

Usage::

    python bench/throughput.py                      # issue 9's figures (6 to 13 minutes)
    python bench/throughput.py --quick              # a 30-submission class, fewer repeats (3 to 5 minutes)
    python bench/throughput.py --skip-nbgrader      # without the nbgrader comparison
    python bench/throughput.py --class-size 600 --rounds 5
    python bench/throughput.py --modes [PATH]       # spawn vs fork server, one worker (default: submissions/)
    python bench/throughput.py --modes submissions/hw2 --isolation none
    python bench/throughput.py --scheduler [PATH]   # 1 vs 2 Dask workers (pip install -e ".[dask]")
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
# Subprocesses import the grader of this checkout, whatever the editable install points at (a fresh clone
# elsewhere repoints it; the class run then failed with "No module named 'grader'").
CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
sys.path.insert(0, str(ROOT))

from grader.discover import Submission, discover  # noqa: E402
from grader.dispatch import LocalDispatch  # noqa: E402
from grader.distributed.compare import documents as _documents  # noqa: E402
from grader.limits import Limits  # noqa: E402
from grader.pipeline import grade_all, grade_submission, run  # noqa: E402
from grader.prestart import preflight  # noqa: E402
from grader.rubric import Rubric, load_rubrics  # noqa: E402
from grader.sandbox import forkserver  # noqa: E402

#: hw2 sample submissions that are not ordinary, and why.
EXCLUDED = {"kurt_goedel": "its dsm_loss never returns (a deliberate infinite loop), so every run of it "
                           "waits out the call timeout"}
GIB = 1 << 30


# --------------------------------------------------------------------------- small helpers

def _load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def import_torch_seconds(repeat: int = 5) -> list[float]:
    """Wall times of ``python -I -c "import torch"``, ``repeat`` runs.

    Parameters
    ----------
    repeat : int
        How many runs.

    Returns
    -------
    list of float
        Seconds of each run.
    """
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import torch"], check=True)
        times.append(time.perf_counter() - t0)
    return times


def _p95(values: list[float]) -> float:
    """The 95th percentile (linear interpolation between order statistics)."""
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def _wall(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time and outcome of one command (output captured)."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=CHILD_ENV, capture_output=True, text=True)
    return time.perf_counter() - t0, done


def _said(done: subprocess.CompletedProcess[str], start: str) -> str:
    """The first line a command printed that starts with ``start``, else its last line."""
    lines = [line.strip() for line in (done.stdout + "\n" + done.stderr).splitlines() if line.strip()]
    return next((line for line in lines if line.startswith(start)), lines[-1] if lines else "(no output)")


def _git_state() -> str:
    """The commit checked out and how many tracked files differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (f" with {len(dirty)} changed file(s) not committed" if dirty else "")


# --------------------------------------------------------------------------- the class

def ordinary_hw2(rubrics: dict[str, Rubric]) -> list[Submission]:
    """The bundled hw2 submissions without :data:`EXCLUDED`, sorted by student."""
    found = discover(ROOT / "submissions" / "hw2", rubrics).submissions
    return [s for s in found if s.student not in EXCLUDED]


def make_class(folder: Path, sources: list[Submission], count: int) -> Path:
    """Write ``count`` distinct copies of ``sources`` to ``folder/hw2`` and return that folder.

    Copy ``n`` is ``sources[n % len(sources)]`` as ``<student>_<n>`` (a
    ``.py`` file, a notebook or a folder like the original), changed so that
    its SHA-256 differs from every other copy's: a ``# copy n`` line at the
    end of ``.py`` files, a ``grader_bench_copy`` field in a notebook's
    metadata (nbformat; no cell changes).

    Parameters
    ----------
    folder : Path
        Where to make the class (created).
    sources : list of Submission
        What to copy, in turn.
    count : int
        Number of copies.

    Returns
    -------
    Path
        ``folder/hw2``, an assignment folder for :func:`grader.discover.discover`.
    """
    hw2 = folder / "hw2"
    hw2.mkdir(parents=True)
    width = len(str(count - 1))
    for n in range(count):
        sub = sources[n % len(sources)]
        name = f"{sub.student}_{n:0{width}d}"
        if sub.path.is_dir():
            target = hw2 / name
            shutil.copytree(sub.path, target)
            for py in sorted(target.glob("*.py")):
                py.write_bytes(py.read_bytes() + f"\n# copy {n}\n".encode())
        elif sub.path.suffix == ".ipynb":
            nb = nbformat.read(sub.path, as_version=nbformat.NO_CONVERT)
            nb.metadata["grader_bench_copy"] = n
            nbformat.write(nb, hw2 / f"{name}.ipynb")
        else:
            (hw2 / f"{name}.py").write_bytes(sub.path.read_bytes() + f"\n# copy {n}\n".encode())
    return hw2


# --------------------------------------------------------------------------- per-submission times

class _TimedDispatch(LocalDispatch):
    """A :class:`~grader.dispatch.LocalDispatch` that times each grading and keeps its threads.

    Its threads (and so their fork servers) live until :meth:`stop`, not
    until :func:`grade_all` closes the dispatch, so :meth:`warm` can start
    each thread's fork server before the timed run.
    """

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.workers = workers
        self.seconds: dict[str, float] = {}
        self.thread_cpu: dict[str, float] = {}

    def submit(self, sub: Submission, rubric: Rubric, limits: Limits) -> Future[dict[str, Any]]:
        """Grade ``sub`` in the next free thread, recording how long :func:`grade_submission` took."""
        def timed() -> dict[str, Any]:
            t0, c0 = time.perf_counter(), time.thread_time()
            doc = grade_submission(sub, rubric, limits)
            self.seconds[sub.student] = time.perf_counter() - t0
            self.thread_cpu[sub.student] = time.thread_time() - c0
            return doc
        return self.pool.submit(timed)

    def warm(self, sub: Submission, rubric: Rubric, limits: Limits) -> None:
        """Grade ``sub`` once in every thread (a barrier keeps each thread to one), not timed."""
        barrier = threading.Barrier(self.workers)

        def once() -> None:
            grade_submission(sub, rubric, limits)
            barrier.wait(timeout=600)
        for future in [self.pool.submit(once) for _ in range(self.workers)]:
            future.result()

    def close(self) -> None:
        """Nothing: :meth:`stop` ends the threads."""

    def stop(self) -> None:
        """Wait for the threads and end them (their fork servers are closed by the next one started, or at exit)."""
        self.pool.shutdown(wait=True)


def machine_cpu_seconds() -> float:
    """CPU seconds the machine has been busy since boot (``/proc/stat``; 0.0 where unreadable)."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


@dataclass
class PerSubmission:
    """Per-grading seconds of one ``grade_all`` and its wall time.

    Attributes
    ----------
    workers : int
        Worker threads.
    seconds : dict
        Student id (a copy's) -> seconds of its :func:`grade_submission`.
    wall : float
        Seconds of the whole ``grade_all``.
    cpu : float
        CPU seconds of this (the grader's) process meanwhile, all its threads:
        drawing inputs, reference values, comparing, writing documents (the
        sandboxes' own CPU time is not in it).
    busy : float
        CPU seconds the whole machine spent meanwhile (``/proc/stat``: user,
        nice, system, irq, softirq; the grader, its sandboxes, anything else).
    thread_cpu : dict
        Student id -> CPU seconds of the worker thread during its
        :func:`grade_submission` (``time.thread_time``: the grader's own work
        for that submission, without other threads' or the sandbox's).
    """

    workers: int
    seconds: dict[str, float] = field(default_factory=dict)
    thread_cpu: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0
    cpu: float = 0.0
    busy: float = 0.0

    @property
    def cores_busy(self) -> float:
        """Average number of the machine's CPUs kept busy during the ``grade_all`` calls."""
        return self.busy / self.wall if self.wall else 0.0

    @property
    def median(self) -> float:
        """Median seconds per grading."""
        return statistics.median(self.seconds.values())

    @property
    def p95(self) -> float:
        """95th percentile of seconds per grading."""
        return _p95(list(self.seconds.values()))

    @property
    def throughput(self) -> float:
        """Gradings per second of wall time."""
        return len(self.seconds) / self.wall


def per_submission(rounds: list[list[Submission]], rubrics: dict[str, Rubric], limits: Limits,
                   warm_up: Submission, workers: tuple[int, ...] = (1, 2)) -> dict[int, PerSubmission]:
    """Grade each round with ``grade_all`` at each number of workers in turn, timing each grading.

    One dispatch per number of workers lives through all rounds (its threads
    and their fork servers warm: each thread grades ``warm_up`` once first,
    not counted). The rounds alternate the order of the worker counts
    (1, 2; 2, 1; 1, 2 ...) so that a change of the machine's load during
    the measurement weighs on both figures alike.

    Parameters
    ----------
    rounds : list of list of Submission
        What to grade, round by round (into temporary folders, ``force=True``).
    rubrics : dict
        Assignment -> rubric.
    limits : Limits
        Sandbox limits.
    warm_up : Submission
        Graded once per thread first.
    workers : tuple of int
        The numbers of worker threads to measure.

    Returns
    -------
    dict
        Workers -> :class:`PerSubmission` over all rounds (wall = the sum of the rounds' walls).
    """
    dispatches = {n: _TimedDispatch(n) for n in workers}
    rows = {n: PerSubmission(n) for n in workers}
    try:
        for dispatch in dispatches.values():
            dispatch.warm(warm_up, rubrics[warm_up.assignment], limits)
        for i, subs in enumerate(rounds):
            for n in (workers if i % 2 == 0 else workers[::-1]):
                with tempfile.TemporaryDirectory(prefix="grader-persub-") as tmp:
                    t0, c0, b0 = time.perf_counter(), time.process_time(), machine_cpu_seconds()
                    grade_all(subs, rubrics, Path(tmp) / "out", limits, n, force=True, dispatch=dispatches[n])
                    rows[n].wall += time.perf_counter() - t0
                    rows[n].cpu += time.process_time() - c0
                    rows[n].busy += machine_cpu_seconds() - b0
    finally:
        for dispatch in dispatches.values():
            dispatch.stop()
    for n, dispatch in dispatches.items():
        rows[n].seconds = dict(dispatch.seconds)
        rows[n].thread_cpu = dict(dispatch.thread_cpu)
    return rows


# --------------------------------------------------------------------------- memory of a process tree

class TreeMemory(threading.Thread):
    """Samples the resident memory of a process and all its descendants until stopped.

    Every ``interval`` seconds it walks ``/proc`` for the tree below ``pid``
    and adds up each process's RSS (``/proc/PID/statm``) and PSS
    (``/proc/PID/smaps_rollup``: shared pages divided among their users);
    :attr:`peak_rss` and :attr:`peak_pss` are the largest sums seen.

    Parameters
    ----------
    pid : int
        The root of the tree.
    interval : float
        Seconds between samples.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = self.samples = 0
        self._stop_event = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat[stat.rfind(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        return tree

    def _memory(self, pid: int) -> tuple[int, int]:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                rss = int(fh.read().split()[1]) * self._page
            pss = 0
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1]) * 1024
                        break
            return rss, pss
        except (OSError, ValueError, IndexError):  # the process ended meanwhile
            return 0, 0

    def sample(self) -> None:
        """Take one sample now."""
        tree = self._tree()
        sizes = [self._memory(pid) for pid in tree]
        self.peak_rss = max(self.peak_rss, sum(r for r, _ in sizes))
        self.peak_pss = max(self.peak_pss, sum(p for _, p in sizes))
        self.peak_processes = max(self.peak_processes, sum(1 for r, _ in sizes if r))
        self.samples += 1

    def run(self) -> None:
        """Sample until :meth:`stop`."""
        while not self._stop_event.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop_event.set()
        self.join()


_RUN_CLASS = """
import json, os, resource, sys, time
from pathlib import Path
from grader.events import RunEvents
from grader.limits import Limits
from grader.pipeline import run
from grader.sandbox.forkserver import fallback_reason
def machine():
    with open("/proc/stat") as fh:
        f = [int(v) for v in fh.readline().split()[1:8]]
    return (f[0] + f[1] + f[2] + f[5] + f[6]) / os.sysconf("SC_CLK_TCK")
def mark():
    return (time.perf_counter(), time.process_time(), machine())
class Clock(RunEvents):
    def started(self, total): self.started = mark()
    def finished(self): self.finished = mark()
path, out, workers, isolation, timeout = sys.argv[1:6]
limits = Limits(call_timeout=float(timeout), isolation=isolation, fork_server=1)
clock = Clock()
t0 = mark()
summary = run(Path(path), Path(out), limits=limits, workers=int(workers), force=True, events=clock)
t1 = mark()
phases = {"before": (t0, clock.started), "grading": (clock.started, clock.finished), "after": (clock.finished, t1)}
print(json.dumps({"seconds": t1[0] - t0[0], "graded": len(summary.graded), "fallback": fallback_reason(),
                  **{k: b[0] - a[0] for k, (a, b) in phases.items()},
                  **{k + "_cpu": b[1] - a[1] for k, (a, b) in phases.items()},
                  **{k + "_busy": b[2] - a[2] for k, (a, b) in phases.items()},
                  "self_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


@dataclass
class ClassRun:
    """A whole-class run in a subprocess: its wall times and memory.

    Attributes
    ----------
    seconds : float
        Wall time of ``run(...)`` inside the subprocess.
    process_seconds : float
        Wall time of the subprocess (Python start-up and imports included).
    graded : int
        Submissions graded.
    memory : TreeMemory
        The sampled memory of the subprocess's tree.
    report : dict
        What the subprocess printed (its own and its children's ``ru_maxrss``,
        the fork server's fallback reason if any).
    """

    seconds: float
    process_seconds: float
    graded: int
    memory: TreeMemory
    report: dict[str, Any]


def grade_class(path: Path, out: Path, workers: int, limits: Limits) -> ClassRun:
    """Run ``run(path, out, workers=workers)`` (fork server on) in a subprocess, sampling its tree's memory.

    Parameters
    ----------
    path : Path
        The class folder.
    out : Path
        Its output folder.
    workers : int
        Submissions graded at once.
    limits : Limits
        ``isolation`` and ``call_timeout`` are passed on; ``fork_server`` is 1.

    Returns
    -------
    ClassRun

    Raises
    ------
    RuntimeError
        If the subprocess fails.
    """
    cmd = [sys.executable, "-c", _RUN_CLASS, str(path), str(out), str(workers), limits.isolation,
           str(limits.call_timeout)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=out.parent, env=CHILD_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    memory = TreeMemory(proc.pid)
    memory.start()
    stdout, stderr = proc.communicate()
    process_seconds = time.perf_counter() - t0
    memory.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"the class run failed (exit {proc.returncode}): {stderr.strip()[-800:]}")
    report = json.loads(stdout.strip().splitlines()[-1])
    return ClassRun(report["seconds"], process_seconds, report["graded"], memory, report)


def class_floor(report: dict[str, Any], cpus: int, t_torch: float) -> str:
    """Where the class run's CPU went and the shortest run it allows on ``cpus`` CPUs, as text.

    ``report`` is what the class subprocess printed: per phase (``before``,
    ``grading``, ``after``) its wall seconds, the grader process's own CPU
    seconds (``*_cpu``, all its threads) and the machine's busy CPU seconds
    (``*_busy``, ``/proc/stat``). The machine's CPU minus the grader's is the
    sandboxes (the students' code, the fork servers; anything else running
    on a shared machine counts there too). No scheduling of that work on
    ``cpus`` CPUs ends sooner than its CPU seconds over ``cpus``, so the
    whole run cannot take less than ``(grading busy) / cpus`` plus the
    publishing phase, which is the grader's alone; and even with a grader
    whose judging cost nothing, not less than the sandboxes' CPU over
    ``cpus`` plus publishing.
    """
    grading, own, busy = report["grading"], report["grading_cpu"], report["grading_busy"]
    sandboxes = max(busy - own, 0.0)
    after = report["after"]
    floor = report["before"] + busy / cpus + after
    floor_free = report["before"] + sandboxes / cpus + after
    return (f"   CPU while grading ({grading:.1f} s): the grader process {own:.1f} s, the rest of the machine "
            f"(the sandboxes: students' code, fork servers) {sandboxes:.1f} s, {busy / grading:.2f} of {cpus} "
            f"CPUs busy; publishing: the grader process {report['after_cpu']:.1f} s in {after:.1f} s\n"
            f"   so on {cpus} CPUs this class cannot take less than {floor:.1f} s ({floor / t_torch:.1f} T_torch) "
            f"with this much work, nor less than {floor_free:.1f} s ({floor_free / t_torch:.1f} T_torch) even "
            "if the grader's own judging cost nothing (the sandboxes' CPU over the CPUs, plus setting up and "
            "publishing)")


# --------------------------------------------------------------------------- issue 9

@dataclass
class Target:
    """One of issue 9's targets and what was measured."""

    text: str
    measured: str
    met: bool | None  # None: not measured in this run


def _ratio(seconds: float, t_torch: float) -> str:
    return f"{seconds / t_torch:.3f} T_torch"


def issue9(args: argparse.Namespace) -> int:
    """Measure and print issue 9's figures and targets.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options (``quick``, ``class_size``, ``rounds``,
        ``skip_nbgrader``, ``isolation``, ``timeout``).

    Returns
    -------
    int
        0 (whether or not the targets are met); 1 if a part could not run.
    """
    class_size = args.class_size or (30 if args.quick else 300)
    rounds = args.rounds or (1 if args.quick else 3)
    torch_repeat = 3 if args.quick else 5
    print("grader throughput, issue 9 (bench/throughput.py)")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}; git {_git_state()}")
    print(f"machine: {os.cpu_count()} CPUs, {os.uname().nodename}; isolation {args.isolation}, "
          f"fork server on, call timeout {args.timeout:g} s{'; --quick' if args.quick else ''}")
    print(f"load average at start: {_load()}")
    print(flush=True)

    times = import_torch_seconds(torch_repeat)
    t_torch = statistics.median(times)
    print(f'1. T_torch = python -I -c "import torch": median {t_torch:.3f} s of {torch_repeat} '
          f"(min {min(times):.3f}, max {max(times):.3f})", flush=True)

    rubrics = load_rubrics()
    limits = Limits(call_timeout=args.timeout, isolation=args.isolation, fork_server=1)
    ordinary = ordinary_hw2(rubrics)
    excluded = ", ".join(f"{s}.py ({why})" for s, why in EXCLUDED.items())
    preflight(limits)
    failures = 0

    with tempfile.TemporaryDirectory(prefix="grader-throughput-") as tmp_name:
        tmp = Path(tmp_name)
        # 2. per submission, 1 and 2 workers
        copies = discover(make_class(tmp / "persub", ordinary, len(ordinary) * rounds), rubrics).submissions
        by_round = [[s for s in copies if int(s.student.rsplit("_", 1)[1]) // len(ordinary) == r]
                    for r in range(rounds)]
        warm_up = next((s for s in ordinary if s.kind == "notebook"), ordinary[0])
        print(f"\n2. seconds per ordinary hw2 submission (load {_load()}): the {len(ordinary)} of submissions/hw2 "
              f"except {excluded}; {rounds} round(s) of copies = {len(copies)} gradings per figure, each round "
              "through grade_all at 1 and at 2 workers in turn (order alternating), each grade_submission "
              f"timed; steady state: every worker thread first grades {warm_up.student} (a notebook), not counted")
        rows = per_submission(by_round, rubrics, limits, warm_up)
        forkserver.shutdown()
        for workers, row in rows.items():
            print(f"   {workers} worker{'s' if workers > 1 else ' '}: median {row.median:.3f} s "
                  f"({_ratio(row.median, t_torch)}), p95 {row.p95:.3f} s ({_ratio(row.p95, t_torch)}); "
                  f"wall {row.wall:.1f} s for {len(row.seconds)} = {row.wall / len(row.seconds):.3f} s per "
                  f"submission ({_ratio(row.wall / len(row.seconds), t_torch)}), "
                  f"{3600 * row.throughput:.0f} per hour; the grader process's own CPU "
                  f"{row.cpu / len(row.seconds):.3f} s per grading", flush=True)
        by_student: dict[str, list[float]] = {}
        for student, seconds in rows[1].seconds.items():
            by_student.setdefault(student.rsplit("_", 1)[0], []).append(seconds)
        print("   1 worker, median by submission: "
              + ", ".join(f"{s} {statistics.median(v):.2f}" for s, v in sorted(by_student.items())))
        speedup = rows[2].throughput / rows[1].throughput
        print(f"   throughput 2 workers / 1 worker: {speedup:.2f}x (gradings per wall second of grade_all)")
        cpus = len(os.sched_getaffinity(0))
        busy1, busy2 = rows[1].cores_busy, rows[2].cores_busy
        print(f"   machine CPUs busy (/proc/stat): {busy1:.2f} of {cpus} at 1 worker, {busy2:.2f} at 2; "
              f"so 2 workers can be at most about {cpus / max(busy1, 1e-9):.2f}x of 1 on this machine")
        print("   (at 2 workers a grading's seconds run from its start to its end while the other worker "
              "grades too)")
        cpu1, cpu2 = (statistics.median(rows[n].thread_cpu.values()) for n in (1, 2))
        print(f"   a grading's own worker thread: median {cpu1:.3f} s of CPU at 1 worker, {cpu2:.3f} s at 2; "
              f"median grading over that CPU: {rows[1].median / max(cpu1, 1e-9):.2f} at 1 worker, "
              f"{rows[2].median / max(cpu2, 1e-9):.2f} at 2 (the rest waits: for its sandbox and, at 2 workers, "
              "for the other thread, whose Python work cannot run at the same time: one interpreter lock)")
        if forkserver.fallback_reason():
            print(f"   WARNING: the fork server fell back to spawning: {forkserver.fallback_reason()}")

        # 3, 4. the class, its memory
        class_dir = make_class(tmp / "class", ordinary, class_size)
        out = tmp / "class-out"
        print(f"\n3. a {class_size}-submission hw2 class at 2 workers: copies of the {len(ordinary)} ordinary "
              "submissions, each made distinct (a comment line; a notebook metadata field); "
              f"run(..., workers=2, force=True) in a subprocess (load {_load()})", flush=True)
        try:
            whole = grade_class(class_dir, out, 2, limits)
        except RuntimeError as exc:
            print(f"   FAILED: {exc}")
            return 1
        print(f"   {whole.graded} graded in {whole.seconds:.1f} s ({whole.seconds / t_torch:.1f} T_torch) = "
              f"{whole.seconds / whole.graded:.3f} s per submission; the subprocess took "
              f"{whole.process_seconds:.1f} s with Python start-up and imports")
        print(f"   of which: rubrics, discovery and lock {whole.report['before']:.1f} s; sandbox check and grading "
              f"{whole.report['grading']:.1f} s ({whole.report['grading'] / whole.graded:.3f} s per submission); "
              f"reports, gradebook and similarity report {whole.report['after']:.1f} s (run's progress events)")
        print(class_floor(whole.report, len(os.sched_getaffinity(0)), t_torch))
        pairs = len(list((out / "reports" / "hw2" / "similarity").glob("*--*.html")))
        print(f"   the similarity report shows {pairs} pairs: copies of one submission are (rightly) near-identical, "
              f"so this class has {pairs} pair pages to render where a real class has a few")
        if whole.report.get("fallback"):
            print(f"   WARNING: the fork server fell back to spawning: {whole.report['fallback']}")
        mem = whole.memory
        print(f"\n4. peak resident memory of that run, the grader process and all its children: "
              f"{mem.peak_rss / GIB:.2f} GiB as the sum of RSS, {mem.peak_pss / GIB:.2f} GiB as the sum of PSS "
              f"(pages shared with the fork servers counted once), at most {mem.peak_processes} processes "
              f"(the tree under the subprocess read from /proc every {mem.interval:g} s, {mem.samples} samples)")
        print(f"   getrusage: the grader process peaked at {whole.report['self_maxrss_kib'] / 1024:.0f} MiB, the "
              f"largest child it reaped at {whole.report['children_maxrss_kib'] / 1024:.0f} MiB", flush=True)

        # 5. unchanged regrade
        cli = [sys.executable, "-m", "grader.cli"]
        regrade, done = _wall([*cli, "run", str(class_dir.parent), "--out", str(out), "--workers", "2",
                               "--limit", "fork_server=1", "--isolation", args.isolation,
                               "--timeout", str(args.timeout), "--quiet"], tmp)
        print(f"\n5. unchanged regrade: grade run on the same class into the graded folder: {regrade:.2f} s "
              f"({_ratio(regrade, t_torch)}; load {_load()}); it said: {_said(done, 'Graded')}", flush=True)
        if done.returncode != 0:
            failures += 1

        # 6. grade check
        check_file = next(s for s in ordinary if s.kind == "module").path
        check_times = []
        for _ in range(1 if args.quick else 3):
            seconds, done = _wall([*cli, "check", str(check_file), "--assignment", "hw2"], tmp)
            check_times.append(seconds)
        check = statistics.median(check_times)
        print(f"\n6. grade check {check_file.relative_to(ROOT)} --assignment hw2: median {check:.2f} s of "
              f"{len(check_times)} ({_ratio(check, t_torch)}; load {_load()}); exit {done.returncode}, it said: "
              f"{_said(done, 'Public checks').split('. ')[0]}", flush=True)

        # 7. nbgrader
        print(f"\n7. nbgrader vs grade run, the same 19 notebooks (DDPM posterior, MHA1, MHA2), one worker each "
              f"(load {_load()})", flush=True)
        figures = None
        if args.skip_nbgrader:
            print("   skipped: --skip-nbgrader")
        else:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from nbgrader_compare import compare

            figures = compare(t_torch, tmp / "nbgrader", args.isolation)

    targets = [
        Target(">= 20x nbgrader's throughput (same 19 notebooks, 1 worker each)",
               f"{figures.ratio:.1f}x ({figures.nbgrader_seconds:.1f} s vs {figures.grader_seconds:.1f} s)"
               if figures else "not measured", figures.ratio >= 20 if figures else None),
        Target("median ordinary hw2 submission <= 0.05 x T_torch",
               f"{rows[1].median / t_torch:.3f} x ({rows[1].median:.3f} s, 1 worker); "
               f"{rows[2].median / t_torch:.3f} x at 2", rows[1].median <= 0.05 * t_torch),
        Target("300 hw2 submissions at 2 workers <= 15 x T_torch",
               f"{whole.seconds / t_torch:.1f} x ({whole.seconds:.1f} s)" if class_size == 300 else
               f"{class_size} submissions: {whole.seconds / t_torch:.1f} x ({whole.seconds:.1f} s)",
               whole.seconds <= 15 * t_torch if class_size == 300 else None),
        Target("unchanged regrade <= 1.5 x T_torch", f"{regrade / t_torch:.2f} x ({regrade:.2f} s)",
               regrade <= 1.5 * t_torch),
        Target("grade check <= 1.5 x T_torch", f"{check / t_torch:.2f} x ({check:.2f} s)", check <= 1.5 * t_torch),
        Target("2 workers >= 1.8x the throughput of 1", f"{speedup:.2f}x", speedup >= 1.8),
        Target("peak resident memory <= 2 GiB for 2 workers (grader + children)",
               f"{mem.peak_rss / GIB:.2f} GiB RSS sum ({mem.peak_pss / GIB:.2f} GiB PSS)", mem.peak_rss <= 2 * GIB),
    ]
    print(f"\ntargets of issue 9 (T_torch = {t_torch:.3f} s):")
    width = max(len(t.text) for t in targets)
    for t in targets:
        status = "n/a" if t.met is None else "met" if t.met else "NOT met"
        print(f"  {t.text:{width}s}  {t.measured:48s}  {status}")
    print(f"\nload average at end: {_load()}")
    return 1 if failures else 0


# --------------------------------------------------------------------------- --modes and --scheduler

def _grade(path: Path, limits: Limits) -> tuple[float, int, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="grader-throughput-") as tmp:
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        summary = run(path, out, limits=limits, workers=1, force=True)
        seconds = time.perf_counter() - t0
        return seconds, len(summary.graded), _documents(out)


def _differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def modes(path: Path, isolation: str, timeout: float) -> int:
    """Spawn vs fork server on one worker: print the figures; 0 if both wrote the same documents, else 1.

    Parameters
    ----------
    path : Path
        The class to grade (``run(..., workers=1, force=True)``, each into its own temporary folder).
    isolation : str
        ``Limits.isolation``.
    timeout : float
        ``Limits.call_timeout``.

    Returns
    -------
    int
    """
    torch_seconds = min(import_torch_seconds(3))
    rows = {}
    for name, fork in (("spawn", 0), ("fork", 1)):
        limits = Limits(call_timeout=timeout, isolation=isolation, fork_server=fork)
        rows[name] = _grade(path, limits)
        seconds, n, _ = rows[name]
        print(f"{name:5s}: {n} submissions in {seconds:6.1f} s = {seconds / max(n, 1):.3f} s per submission "
              f"(workers 1, isolation {isolation})")
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


def dask_workers(path: Path, limits: Limits) -> int:
    """Issue 12's figures: 1 vs 2 Dask workers on this machine; 0 if both wrote the same documents.

    Parameters
    ----------
    path : Path
        The class to grade.
    limits : Limits
        Sandbox limits.

    Returns
    -------
    int
    """
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


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run issue 9's figures, ``--modes`` or ``--scheduler``; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, nargs="?", default=ROOT / "submissions",
                        help="class for --modes and --scheduler (default: submissions/)")
    parser.add_argument("--isolation", default="auto", choices=["auto", "bwrap", "none"])
    parser.add_argument("--timeout", type=float, default=10.0, help="call timeout, CPU seconds")
    parser.add_argument("--quick", action="store_true",
                        help="a 30-submission class, 1 round, T_torch of 3, grade check once")
    parser.add_argument("--class-size", type=int, default=0, help="submissions of the class (default 300; quick 30)")
    parser.add_argument("--rounds", type=int, default=0,
                        help="copies of each ordinary submission for the per-submission figures (default 3; quick 1)")
    parser.add_argument("--skip-nbgrader", action="store_true", help="leave out the nbgrader comparison")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--modes", action="store_true", help="instead: spawn vs fork server, one worker")
    which.add_argument("--scheduler", action="store_true", help="instead: 1 vs 2 local Dask workers")
    args = parser.parse_args(argv)
    if args.scheduler:
        return dask_workers(args.path, Limits(call_timeout=args.timeout, isolation=args.isolation))
    if args.modes:
        return modes(args.path, args.isolation, args.timeout)
    return issue9(args)


if __name__ == "__main__":
    sys.exit(main())
