"""The sandbox child: calls, limits, crashes and isolation (each test starts real processes).

Every test runs twice: with a fresh process per sandbox (``spawn``) and with
children forked from the worker's zygote (``fork``, ``--limit fork_server=1``).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import torch

from grader.execute import Sandbox
from grader.limits import Limits
from grader.sandbox import forkserver
from grader.sandbox.codec import to_wire

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True, params=["spawn", "fork"])
def mode(request):
    """Limits() made by the tests of this module default to this mode (see grader.limits)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADER_FORK_SERVER", "1" if request.param == "fork" else "0")
        assert Limits().fork_server == (request.param == "fork")
        yield request.param

SOURCE = '''
import torch
print("top level output")
def double(x):
    return 2 * x
def hang(x):
    while True:
        pass
def hang_hard(x):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
def mutate(x):
    x += 1
    return x
def die(x):
    import os
    os._exit(3)
def leave(x):
    import sys
    sys.exit(0)
def cheat(x):
    import reference.hw2
def boom(x):
    return helper(x)
def helper(x):
    raise ValueError("bad value")
def chatty(x):
    print("y" * 1_000_000)
    return x
def sleepy(x):
    import time
    time.sleep(1.5)
    return x
def works_briefly(x):
    import time
    start = time.process_time()
    while time.process_time() - start < 0.3:
        pass
    return x
def sleeps_forever(x):
    import time
    time.sleep(1000)
def catches_and_returns(x):
    try:
        while True:
            pass
    except BaseException:
        return x
def obj(x):
    class Liar:
        def __eq__(self, other):
            return True
    return Liar()
'''


@pytest.fixture(scope="module")
def sandbox(mode):
    request = {"filename": "<sub.py>", "units": [{"source": SOURCE, "first_line": 1, "label": "module"}],
               "functions": ["double", "hang", "hang_hard", "mutate", "die", "leave", "cheat", "boom",
                             "chatty", "obj", "sleepy", "works_briefly", "sleeps_forever", "catches_and_returns",
                             "absent"]}
    with Sandbox(request, Limits(call_timeout=1.0, call_wall_timeout=3.0)) as sb:
        reply = sb.load()
        assert reply.fatal is None
        assert "absent" not in reply.defined and "double" in reply.defined
        assert sb.forking == (mode == "fork" and not forkserver._UNUSABLE)  # or it said why not
        yield sb


X = [to_wire(torch.ones(3, dtype=torch.float64))]


def test_call_returns_plain_values(sandbox):
    out = sandbox.call("double", X)
    assert out.status == "ok" and out.value["shape"] == [3] and out.value["source"] == "torch"


def test_soft_timeout_keeps_the_child(sandbox):
    starts = sandbox.starts
    out = sandbox.call("hang", X)
    assert out.status == "timeout" and out.clock == "cpu" and out.seconds == 1.0
    assert sandbox.starts == starts
    assert sandbox.call("double", X).status == "ok"


def test_code_that_swallows_the_timeout_is_ended_after_a_grace_and_restarted(sandbox):
    starts = sandbox.starts
    out = sandbox.call("hang_hard", X)
    # ended by the child's own timer after the grace ("cpu"), not by the grader's kill ("kill")
    assert out.status == "timeout" and out.clock == "cpu"
    assert sandbox.call("double", X).status == "ok"
    assert sandbox.starts == starts + 1


def test_a_value_returned_after_the_limit_is_still_a_timeout(sandbox):
    assert sandbox.call("catches_and_returns", X).status == "timeout"
    assert sandbox.call("double", X).status == "ok"


def test_the_limit_counts_cpu_time_not_waiting(sandbox):
    """1.5 s asleep under a 1 s limit is fine: a starved or waiting call uses no CPU time."""
    assert sandbox.call("sleepy", X).status == "ok"
    t0 = time.monotonic()
    out = sandbox.call("sleeps_forever", X)
    assert out.status == "timeout" and out.clock == "wall" and out.seconds == 3.0
    assert time.monotonic() - t0 > 2.9
    assert sandbox.call("double", X).status == "ok"


def test_a_call_starved_of_the_cpu_is_not_a_timeout(sandbox):
    """Stopped for 1.5 s mid-call (as a neighbour's fork bomb starves it): still ``ok`` under a 1 s limit.

    The call needs 0.3 s of CPU and takes about 1.8 s of wall-clock time; a
    wall-clock limit of 1 s (as before) would have failed a correct student.
    """
    pgid = sandbox.proc.pid

    def starve() -> None:
        time.sleep(0.15)
        os.killpg(pgid, signal.SIGSTOP)
        time.sleep(1.5)
        os.killpg(pgid, signal.SIGCONT)

    thread = threading.Thread(target=starve)
    t0 = time.monotonic()
    thread.start()
    out = sandbox.call("works_briefly", X)
    thread.join()
    assert time.monotonic() - t0 > 1.5  # it really was held up for longer than the limit
    assert out.status == "ok"


def test_the_wall_clock_backstop_follows_the_cpu_limit():
    assert Limits(call_timeout=10).wall_timeout(10) == 30
    assert Limits(call_timeout=2).wall_timeout(2) == 12
    assert Limits(call_wall_timeout=5).wall_timeout(8) == 8  # never below the CPU limit


def test_in_place_mutation_is_reported(sandbox):
    assert sandbox.call("mutate", X, names=["x"]).mutated == ["x"]


@pytest.mark.parametrize("fn, status, text", [
    ("die", "crash", "exited with status 3"),
    ("leave", "error", "sys.exit(0)"),
    ("cheat", "error", "not allowed"),
])
def test_exits_and_forbidden_imports(sandbox, fn, status, text):
    out = sandbox.call(fn, X)
    assert out.status == status
    assert text in str(out.error)
    assert sandbox.call("double", X).status == "ok"


def test_exception_is_trimmed_to_student_frames(sandbox):
    out = sandbox.call("boom", X)
    assert out.error["type"] == "ValueError" and out.error["message"] == "bad value"
    assert [f["name"] for f in out.error["frames"]] == ["boom", "helper"]


def test_output_is_captured_and_capped(sandbox):
    assert sandbox.call("chatty", X).status == "ok"
    assert "top level output" in sandbox.stdout
    assert len(sandbox.stdout) < 70_000 and "more characters of output were discarded" in sandbox.stdout


def test_objects_do_not_cross_the_boundary(sandbox):
    out = sandbox.call("obj", X)
    assert out.status == "ok" and out.value == {"$unsupported": "Liar"}


def test_memory_limit_turns_huge_allocations_into_errors():
    src = "import torch\ndef big():\n    return torch.empty(10**10, dtype=torch.float64).sum()\n"
    request = {"filename": "<m.py>", "units": [{"source": src, "first_line": 1, "label": "module"}],
               "functions": ["big"]}
    with Sandbox(request, Limits(call_timeout=5.0, memory_mb=2048)) as sb:
        assert sb.load().fatal is None
        out = sb.call("big", [])
        assert out.status in ("error", "crash")
        assert "memory" in str(out.error).lower() or "alloc" in str(out.error).lower()


def test_top_level_infinite_loop_is_fatal_but_bounded():
    request = {"filename": "<l.py>", "units": [{"source": "while True:\n    pass\n", "first_line": 1,
                                                "label": "module"}], "functions": ["f"]}
    with Sandbox(request, Limits(startup_timeout=3.0)) as sb:
        t0 = time.monotonic()
        reply = sb.load()
        assert reply.fatal and "longer than 3 s" in reply.fatal
        assert time.monotonic() - t0 < 10


def test_limits_are_configurable_by_key():
    from grader.limits import parse_limit

    assert parse_limit("processes=128") == ("processes", 128)
    assert parse_limit("call-timeout=2.5") == ("call_timeout", 2.5)
    assert parse_limit("fork_server=1") == ("fork_server", 1)
    assert parse_limit("fork-server=0") == ("fork_server", 0)
    for bad in ("colour=3", "processes=abc", "file_mb=0", "processes", "fork_server=2", "fork_server=-1"):
        with pytest.raises(ValueError):
            parse_limit(bad)


def test_file_size_limit_applies(tmp_path):
    src = "def write():\n    open('big.bin', 'wb').write(b'0' * (3 << 20))\n    return 1.0\n"
    request = {"filename": "<w.py>", "units": [{"source": src, "first_line": 1, "label": "module"}],
               "functions": ["write"]}
    with Sandbox(request, Limits(file_mb=1)) as sb:
        assert sb.load().fatal is None
        out = sb.call("write", [])
        assert out.status == "error" and "File too large" in out.error["message"]


def test_preflight_fails_loudly_when_the_sandbox_cannot_start(monkeypatch):
    import grader.child_command as child_command
    from grader import parked
    from grader.errors import GraderError
    from grader.prestart import preflight

    preflight(Limits())
    parked.close_all()  # the spare forked for the next sandbox started before the boot line broke
    monkeypatch.setattr(child_command, "BOOT", "import sys; sys.exit('no grader here')")
    with pytest.raises(GraderError, match="cannot start on this machine.*no grader here"):
        preflight(Limits())
