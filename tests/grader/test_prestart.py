"""A sandbox started ahead of need (``grade check``) is adopted by the next sandbox with its limits, and only by it."""

from __future__ import annotations

import os
import signal

import pytest

from grader import parked as prestarting
from grader.execute import Sandbox
from grader.limits import Limits
from grader.prestart import prestart
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


def test_a_parked_child_that_died_is_replaced_by_a_fresh_one():
    limits = Limits(call_timeout=3.0, fork_server=0)
    prestart(limits)
    parked = prestarting._PARKED[limits][0]
    dead = parked.proc.pid
    os.killpg(dead, signal.SIGKILL)  # what a crash before adoption looks like
    parked.proc.wait(timeout=10)
    with Sandbox(REQUEST, limits) as sb:
        reply = sb.load()
        assert reply.fatal is None and sb.proc.pid != dead and sb.starts == 1
        assert sb.call("double", [to_wire(4.0)]).value is not None
    assert prestarting.take(limits) is None  # the dead one was dropped, not parked again


HOSTILE = """import os, torch
open('/tmp/leftover', 'w').write('x')
open('leftover', 'w').write('x')
os.environ['LEFTOVER'] = '1'
torch.set_default_dtype(torch.float32)
torch.LEFTOVER = 1
def double(x):
    return 3 * x
"""
PROBE = """import os, torch
def double(x):
    seen = [os.path.exists('/tmp/leftover'), os.path.exists('leftover'), 'LEFTOVER' in os.environ,
            hasattr(torch, 'LEFTOVER')]
    return 2 * x + sum(seen)
"""


def _request(source: str) -> dict:
    return {"filename": "<p.py>", "units": [{"source": source, "first_line": 1, "label": "module"}],
            "functions": ["double"]}


def _spare_parked(limits: Limits, seconds: float = 10.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if prestarting._PARKED.get(limits):
            return True
        time.sleep(0.01)
    return False


def test_with_the_fork_server_the_next_student_adopts_a_spare_forked_while_the_last_one_ran(monkeypatch):
    """Forked ahead, it is still a fresh child: nothing the hostile student before left is visible."""
    limits = Limits(call_timeout=3.0, fork_server=1)
    with Sandbox(_request(HOSTILE), limits) as first:
        assert first.load().fatal is None
        if not first.forking:
            pytest.skip("the fork server cannot be used here")
        assert first.call("double", [to_wire(1.0)]).status == "ok"
        assert _spare_parked(limits)  # forked while the first student's child is alive
    monkeypatch.setattr(Sandbox, "_spawn", _no_spawn)  # no fork now: the spare is adopted
    with Sandbox(_request(PROBE), limits) as second:
        assert second.load().fatal is None and second.forking and second.starts == 1
        out = second.call("double", [to_wire(21.0)])
    assert out.status == "ok" and out.value["$array"] is not None
    from grader.values import decode_value

    assert float(decode_value(out.value).data) == 42.0  # none of the four leftovers seen


def test_a_spare_whose_zygote_died_is_dropped_not_adopted():
    from grader.sandbox import forkserver

    limits = Limits(call_timeout=3.0, fork_server=1)
    with Sandbox(REQUEST, limits) as first:
        assert first.load().fatal is None
        if not first.forking:
            pytest.skip("the fork server cannot be used here")
        assert _spare_parked(limits)
    for zygote in list(forkserver._ZYGOTES.values()):
        os.killpg(zygote.proc.pid, signal.SIGKILL)
        zygote.proc.wait(timeout=10)
    with Sandbox(REQUEST, limits) as second:  # a fresh zygote and child, not the dead one's spare
        assert second.load().fatal is None
        assert second.call("double", [to_wire(2.0)]).status == "ok"


def test_spares_are_capped_however_often_sandboxes_ask(monkeypatch):
    """A sandbox that found the spare still forking forks its own and asks again: no more than MAX_SPARES."""
    import threading

    class Spare:
        closed = 0

        def close(self) -> None:
            Spare.closed += 1

    limits = Limits(call_timeout=3.0, fork_server=1, cpu_seconds=123)  # limits nobody else parks for
    release = threading.Event()
    calls = []

    def start():
        calls.append(1)
        release.wait(10)
        return Spare()

    threads = [prestarting.start_ahead(limits, start) for _ in range(10)]
    assert sum(t is not None for t in threads) == prestarting.MAX_SPARES  # the others started nothing
    release.set()
    for t in threads:
        if t is not None:
            t.join(10)
    assert len(prestarting._PARKED[limits]) == prestarting.MAX_SPARES and Spare.closed == 0
    assert prestarting.start_ahead(limits, start) is None  # still enough parked
    prestarting.take(limits)
    assert prestarting.start_ahead(limits, start).join(10) is None  # one taken: one more started
    assert len(calls) == prestarting.MAX_SPARES + 1
    prestarting.close_all()
