"""The sandbox child: calls, limits, crashes and isolation (each test starts real processes).

Every test runs twice: with a fresh process per sandbox (``spawn``) and with
children forked from the worker's zygote (``fork``, ``--limit fork_server=1``).
"""

from __future__ import annotations

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
                             "chatty", "obj", "absent"]}
    with Sandbox(request, Limits(call_timeout=1.0)) as sb:
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
    t0 = time.monotonic()
    assert sandbox.call("hang", X).status == "timeout"
    assert time.monotonic() - t0 < 3
    assert sandbox.starts == starts
    assert sandbox.call("double", X).status == "ok"


def test_hard_timeout_kills_and_restarts(sandbox):
    starts = sandbox.starts
    assert sandbox.call("hang_hard", X).status == "timeout"
    assert sandbox.call("double", X).status == "ok"
    assert sandbox.starts == starts + 1


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
    import grader.execute as execute
    from grader.errors import GraderError

    execute.preflight(Limits())
    monkeypatch.setattr(execute, "_BOOT", "import sys; sys.exit('no grader here')")
    with pytest.raises(GraderError, match="cannot start on this machine.*no grader here"):
        execute.preflight(Limits())
