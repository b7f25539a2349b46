"""A sandbox started ahead of need (``grade check``) is adopted by the next sandbox with its limits, and only by it."""

from __future__ import annotations

import os
import signal

import pytest

from grader import prestart as prestarting
from grader.execute import Sandbox, prestart
from grader.limits import Limits
from grader.sandbox.codec import to_wire

pytestmark = pytest.mark.slow

SOURCE = "def double(x):\n    return 2 * x\n"
REQUEST = {"filename": "<p.py>", "units": [{"source": SOURCE, "first_line": 1, "label": "module"}],
           "functions": ["double"]}


def _no_spawn(self):
    raise AssertionError("spawned although a started child was waiting")


def test_the_next_sandbox_with_the_same_limits_adopts_the_started_child(monkeypatch):
    limits = Limits(call_timeout=3.0, fork_server=0)
    prestart(limits)
    monkeypatch.setattr(Sandbox, "_spawn", _no_spawn)
    with Sandbox(REQUEST, limits) as sb:
        reply = sb.load()
        assert reply.fatal is None and reply.defined == ["double"]
        assert sb.starts == 1
        out = sb.call("double", [to_wire(21.0)])
        assert out.status == "ok"
    assert prestarting.take(limits) is None  # adopted once, then gone


def test_other_limits_never_get_it_and_a_restart_spawns_afresh(monkeypatch):
    parked_limits = Limits(call_timeout=3.0, fork_server=0)
    prestart(parked_limits)
    try:
        with Sandbox(REQUEST, Limits(call_timeout=4.0, fork_server=0)) as sb:  # not these limits
            assert sb.load().fatal is None
        assert parked_limits in prestarting._PARKED  # still parked, untouched
    finally:
        leftover = prestarting.take(parked_limits)
        if leftover is not None:
            leftover.close()
    prestart(parked_limits)
    with Sandbox(REQUEST, parked_limits) as sb:
        assert sb.load().fatal is None and sb.starts == 1
        assert sb.load().fatal is None  # a second load (after a crash, say) spawns afresh
        assert sb.starts == 2 and sb.call("double", [to_wire(1.0)]).status == "ok"


def test_a_parked_child_that_died_is_a_start_failure_like_any_other():
    limits = Limits(call_timeout=3.0, fork_server=0)
    prestart(limits)
    parked = prestarting._PARKED[limits]
    os.killpg(parked.proc.pid, signal.SIGKILL)  # what a crash before adoption looks like
    parked.proc.wait(timeout=10)
    with Sandbox(REQUEST, limits) as sb:
        reply = sb.load()
    assert reply.fatal is not None
