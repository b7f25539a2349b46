"""Sandboxes are closed off the grading path, all of them, and a run can wait for that."""

from __future__ import annotations

import threading
import time

from grader import closer


class _Recorder:
    def __init__(self, log: list[str], name: str, seconds: float = 0.0, fail: bool = False) -> None:
        self.log, self.name, self.seconds, self.fail = log, name, seconds, fail

    def __enter__(self) -> _Recorder:
        self.log.append(f"entered {self.name}")
        return self

    def close(self) -> None:
        time.sleep(self.seconds)
        if self.fail:
            raise OSError("cannot remove the cgroup")
        self.log.append(self.name)


def test_close_later_returns_at_once_and_drain_waits_for_every_close():
    log: list[str] = []
    t0 = time.perf_counter()
    for name in "abc":
        closer.close_later(_Recorder(log, name, seconds=0.2))
    assert time.perf_counter() - t0 < 0.15  # handed over, not closed here
    closer.drain()
    assert log == ["a", "b", "c"]  # every one, in order


def test_a_failing_close_does_not_stop_the_ones_after_it():
    log: list[str] = []
    closer.close_later(_Recorder(log, "broken", fail=True))
    closer.close_later(_Recorder(log, "next"))
    closer.drain()
    assert log == ["next"]


def test_closed_later_hands_the_sandbox_over_on_leaving_even_after_an_error():
    log: list[str] = []
    done = threading.Event()

    class Sandbox(_Recorder):
        def close(self) -> None:
            super().close()
            done.set()

    try:
        with closer.closed_later(Sandbox(log, "s")) as sandbox:
            assert sandbox.name == "s" and log == ["entered s"]
            raise KeyError("grading stopped")
    except KeyError:
        pass
    closer.drain()
    assert done.is_set() and log == ["entered s", "s"]


def test_a_sandbox_handed_over_is_stopped_at_once_though_the_closer_lags():
    """Its child frees its memory now: in a 300-submission class the closer ran 11 sandboxes behind."""
    log: list[str] = []

    class Stoppable(_Recorder):
        def stop(self) -> None:
            self.log.append(f"stopped {self.name}")

    closer.close_later(_Recorder(log, "slow", seconds=0.5))
    closer.close_later(Stoppable(log, "s"))
    assert log == ["stopped s"]  # stopped here, before the closer has closed even the first one
    closer.drain()
    assert log == ["stopped s", "slow", "s"]


def test_a_real_sandbox_child_is_dead_before_its_close():
    import os

    from grader.execute import Sandbox
    from grader.limits import Limits

    request = {"filename": "<p.py>", "units": [{"source": "x = 1\n", "first_line": 1, "label": "module"}],
               "functions": []}
    sandbox = Sandbox(request, Limits(call_timeout=3.0))
    assert sandbox.load().fatal is None
    pid = sandbox.proc.pid
    closer.close_later(_Recorder([], "slow", seconds=3.0))
    closer.close_later(sandbox)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and _running(pid):
        time.sleep(0.01)
    assert not _running(pid), "the child still runs, waiting for the closer"
    assert sandbox.proc is not None  # not closed yet: the closer is still on the slow one
    closer.drain()
    assert sandbox.proc is None and (sandbox.scratch is None or not os.path.exists(sandbox.scratch))


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
