"""A real Dask cluster on 127.0.0.1 (scheduler and workers as subprocesses), a small hw2 class, a local run.

The class is six hw2 students (a module, a notebook, a folder submission, a
syntax error, two wrong answers) and one submission whose mha2 segfaults its
sandbox. kurt_goedel (an infinite loop) is left out on purpose: whether his
timeouts are reported as CPU or wall-clock time depends on how loaded the
machine is, so two runs of him are not comparable on a shared machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.distributed.compare import documents
from grader.pipeline import run

ROOT = Path(__file__).resolve().parents[2]
STUDENTS = ["ada_lovelace.py", "alan_turing.py", "carl_gauss.ipynb", "emmy_noether", "john_nash.py",
            "sophie_germain.py"]
SEGFAULT = "\n\ndef mha2(*args, **kwargs):\n    import ctypes\n    return ctypes.string_at(0)\n"
DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
WORKER = [sys.executable, "-m", "distributed.cli.dask_worker"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A scheduler and its workers, each a process group of its own (a worker: nanny + worker process)."""

    address: str
    log_dir: Path
    scheduler: subprocess.Popen[bytes] | None = None
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _start(self, name: str, cmd: list[str]) -> subprocess.Popen[bytes]:
        with open(self.log_dir / f"{name}.log", "wb") as log:  # the child keeps its own descriptor
            return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def add_worker(self, name: str) -> None:
        self.workers[name] = self._start(name, WORKER + [self.address, "--name", name, "--nthreads", "1",
                                                         "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1"])

    def kill(self, name: str) -> None:
        """SIGKILL a worker's whole process group: a lost node, not a restart."""
        proc = self.workers[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def wait_for_workers(self, n: int, timeout: float = 90) -> None:
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=timeout)

    def stop(self) -> None:
        procs = [*self.workers.values()] + ([self.scheduler] if self.scheduler else [])
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextlib.contextmanager
def dask_cluster(log_dir: Path, workers: int = 2) -> Iterator[Cluster]:
    """Start ``dask scheduler`` and ``workers`` ``dask worker`` processes on free ports; stop them all at the end."""
    port = free_port()
    cluster = Cluster(f"tcp://127.0.0.1:{port}", log_dir)
    try:
        cluster.scheduler = cluster._start("scheduler", DASK + ["--host", "127.0.0.1", "--port", str(port),
                                                                "--no-dashboard"])
        for i in range(workers):
            cluster.add_worker(f"w{i + 1}")
        cluster.wait_for_workers(workers)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def small_class(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("dask-class") / "class"
    folder = base / "hw2"
    folder.mkdir(parents=True)
    for name in STUDENTS:
        src = ROOT / "submissions" / "hw2" / name
        if src.is_dir():
            shutil.copytree(src, folder / name)
        else:
            shutil.copy(src, folder / name)
    (folder / "zz_segfault.py").write_text((ROOT / "submissions" / "hw2" / "ada_lovelace.py").read_text() + SEGFAULT)
    return base


@pytest.fixture(scope="session")
def local_documents(small_class: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The class graded locally (2 threads), once per session: what every other run must write."""
    out = tmp_path_factory.mktemp("local-out")
    summary = run(small_class, out, workers=2)
    assert len(summary.graded) == len(STUDENTS) + 1
    return documents(out)
