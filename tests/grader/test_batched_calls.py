"""Batched calls: the calls of a function go in one message, and each keeps its own time limit.

Both modes: a fresh process per sandbox (``spawn``) and a child forked from
the worker's zygote (``fork``).
"""

from __future__ import annotations

import time

import pytest
import torch

from grader.calls import CallRequest
from grader.execute import Sandbox
from grader.limits import Limits
from grader.sandbox.codec import to_wire

pytestmark = pytest.mark.slow

SOURCE = '''
import os
calls = []
def f(x):
    calls.append(float(x))
    if x == 2:
        while True:
            pass
    if x == 4:
        raise ValueError("four")
    if x == 5:
        os._exit(3)
    return 10 * x
def made():
    return list(calls)
'''


@pytest.fixture(scope="module", autouse=True, params=["spawn", "fork"])
def mode(request):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_FORK_SERVER", "1" if request.param == "fork" else "0")
        yield request.param


def _sandbox() -> Sandbox:
    request = {"filename": "<f.py>", "units": [{"source": SOURCE, "first_line": 1, "label": "module"}],
               "functions": ["f", "made"]}
    return Sandbox(request, Limits(call_timeout=1.0))


def _calls(*xs: float, timeout: float | None = None) -> list[CallRequest]:
    return [CallRequest("f", [to_wire(torch.tensor(float(x)))], timeout=timeout) for x in xs]


def _made(sb: Sandbox) -> list[float]:
    out = sb.call("made", [])
    assert out.status == "ok"
    return [_number(e) for e in out.value["$seq"]]


def _number(enc) -> float:
    import numpy as np

    return float(np.frombuffer(enc["$array"], dtype=np.float64)[0])


def test_a_batch_answers_every_call_in_order_and_an_error_does_not_end_it():
    with _sandbox() as sb:
        assert sb.load().fatal is None
        outcomes = sb.call_many(_calls(1, 4, 3))
        assert [o.status for o in outcomes] == ["ok", "error", "ok"]
        assert outcomes[1].error["message"] == "four"
        assert [_number(o.value) for o in (outcomes[0], outcomes[2])] == [10.0, 30.0]
        assert _made(sb) == [1.0, 4.0, 3.0]


def test_a_hang_ends_the_batch_after_its_own_time_limit_and_later_calls_are_not_made():
    with _sandbox() as sb:
        assert sb.load().fatal is None
        t0 = time.monotonic()
        outcomes = sb.call_many(_calls(1, 2, 3, 6, timeout=0.5))
        seconds = time.monotonic() - t0
        assert [o.status for o in outcomes] == ["ok", "timeout"]
        assert outcomes[1].seconds == 0.5 and outcomes[1].clock == "cpu"
        assert seconds < 10, seconds  # one call's limit (+ grace), not one per remaining call
        assert _made(sb) == [1.0, 2.0]  # neither 3 nor 6 ran
        again = sb.call_many(_calls(3))  # the child is still usable afterwards
        assert [o.status for o in again] == ["ok"] and _number(again[0].value) == 30.0


def test_a_crash_ends_the_batch_and_the_next_batch_gets_a_fresh_child():
    with _sandbox() as sb:
        assert sb.load().fatal is None
        outcomes = sb.call_many(_calls(1, 5, 3))
        assert [o.status for o in outcomes] == ["ok", "crash"]
        assert "status 3" in outcomes[1].error["message"]
        starts = sb.starts
        again = sb.call_many(_calls(3))
        assert [o.status for o in again] == ["ok"] and sb.starts == starts + 1
        assert _made(sb) == [3.0]  # a fresh child: the calls before the crash are gone


def test_an_empty_batch_makes_no_call():
    with _sandbox() as sb:
        assert sb.call_many([]) == []
        assert sb.starts == 0


def test_a_segfault_reads_the_same_whether_the_child_was_spawned_or_forked():
    source = "import ctypes\ndef f(x):\n    return ctypes.string_at(0)\n"
    request = {"filename": "<s.py>", "units": [{"source": source, "first_line": 1, "label": "module"}],
               "functions": ["f"]}
    with Sandbox(request, Limits(call_timeout=2.0)) as sb:
        assert sb.load().fatal is None
        outcome = sb.call("f", [to_wire(1.0)])
    assert outcome.status == "crash"
    assert outcome.error["message"] == ("the process running the submission died with SIGSEGV "
                                        "(segmentation fault)")
