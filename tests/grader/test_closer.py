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
