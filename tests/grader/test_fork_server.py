"""The fork server: nothing a student leaves behind reaches the next student of the same worker.

Each test grades (through :class:`grader.execute.Sandbox` with
``fork_server=1``) a hostile submission and then a probe that describes
everything a leftover could change: files in its scratch directory, ``/tmp``
and ``/dev/shm``, environment, ``torch``/``numpy``/builtins, ``sys.modules``,
threads and processes, signal handlers, ``atexit`` hooks, working directory,
open descriptors, random generators, limits. The probe must see exactly what
it sees in a child forked before any hostile one, and (apart from what the
zygote imported) what it sees in a freshly spawned sandbox. Both isolation
modes the host offers are tested: bubblewrap (a PID, mount, IPC, UTS and
network namespace per child) and none (a process group and a temp dir).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from grader.execute import Sandbox
from grader.isolation import detect
from grader.limits import Limits
from grader.sandbox import forkserver
from grader.sandbox.zygote import hidden_by_fresh_mounts

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

MARKER = "grader-leftover-marker"

PROBE = r'''
import atexit, builtins, json, os, random, resource, signal, sys, tempfile, threading
import numpy as np
import torch


def _listing(path):
    try:
        names = sorted(os.listdir(path))
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    if len(names) > 40:  # a busy host /tmp (isolation none): a digest keeps the reply under the string cap
        import hashlib
        return {"entries": len(names), "sha256": hashlib.sha256("\0".join(names).encode()).hexdigest()}
    return names


def _markers():
    found = 0
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and b"MARKER" in open(f"/proc/{pid}/cmdline", "rb").read():
                found += 1
        except OSError:
            pass
    return found


def describe():
    skip = {signal.SIGKILL, signal.SIGSTOP}
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "TMPDIR")}
    return json.dumps({
        "cwd": _listing("."), "tmp": _listing("/tmp"), "tempdir": _listing(tempfile.gettempdir()),
        "shm": _listing("/dev/shm"), "home": _listing(os.environ.get("HOME", ".")),
        "cwd_is_home": os.path.realpath(os.getcwd()) == os.path.realpath(os.environ.get("HOME", "")),
        "env": env,
        "torch": [torch.add(torch.ones(2), 1).tolist(), bool(torch.allclose(torch.zeros(1), torch.ones(1))),
                  (torch.ones(2) + torch.ones(2)).tolist(), torch.get_default_dtype() == torch.float32,
                  torch.is_grad_enabled(), torch.get_num_threads()],
        "numpy": [bool(np.allclose(0.0, 1.0)), float(np.sum(np.ones(3))), np.float64(0.1).item()],
        "builtins": [len([1, 2]), abs(-3), type(len).__name__, type(print).__name__, sorted(dir(builtins)) ==
                     sorted(dir(sys.modules["builtins"]))],
        "modules": sorted(m for m in sys.modules if "evil" in m or m == "submission_helper"),
        "numpy_module": sys.modules["numpy"] is np and hasattr(np, "linalg"),
        "threads": threading.active_count(), "tasks": len(os.listdir("/proc/self/task")),
        "markers": _markers(),
        "signals": {int(s): getattr(signal.getsignal(s), "__qualname__", repr(signal.getsignal(s)))
                    for s in signal.valid_signals() if s not in skip},
        "alarm": signal.alarm(0),
        "atexit": atexit._ncallbacks(),
        "fds": len(os.listdir("/proc/self/fd")),
        "limits": [resource.getrlimit(r) for r in (resource.RLIMIT_AS, resource.RLIMIT_CPU,
                   resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE, resource.RLIMIT_NPROC)],
        "umask": os.umask(0o022), "recursion": sys.getrecursionlimit(),
        "path0": sys.path[0] == os.getcwd(), "guard": type(sys.meta_path[0]).__name__,
        "torch_rand": torch.rand(3).tolist(), "torch_seed": torch.initial_seed(),
        "py_random": random.random(), "np_random": float(np.random.random()),
    })
'''.replace("MARKER", MARKER)

HOSTILE = {
    "files": '''
import os, tempfile
def act():
    dirs = [".", tempfile.gettempdir(), os.environ["HOME"]]
    if os.getcwd() == "/scratch":  # inside bubblewrap (without it, these are the host's)
        dirs += ["/tmp", "/dev/shm", "/", "/dev"]
    for d in dirs:
        try:
            open(os.path.join(d, "evil.txt"), "w").write("left over")
            os.mkdir(os.path.join(d, "evil_dir"))
        except OSError:
            pass
    return 1
''',
    "environment": '''
import os
def act():
    os.environ["EVIL"] = "1"
    os.environ["PATH"] = "/evil"
    os.environ["OMP_NUM_THREADS"] = "8"
    os.putenv("EVIL_PUTENV", "1")
    del os.environ["LANG"]
    return 1
''',
    "monkeypatching": '''
import builtins, numpy as np, torch
def act():
    torch.add = lambda *a, **k: torch.zeros(2)
    torch.allclose = lambda *a, **k: True
    torch.Tensor.__add__ = lambda self, other: torch.zeros(2)
    np.allclose = lambda *a, **k: True
    np.sum = lambda *a, **k: 0.0
    builtins.len = lambda x: 0
    builtins.abs = lambda x: 0
    builtins.print = lambda *a, **k: None
    builtins.evil = 1
    torch.set_default_dtype(torch.float64)
    torch.set_grad_enabled(False)
    torch.set_num_threads(2)
    return 1
''',
    "sys_modules": '''
import sys, types
def act():
    sys.modules["evil_module"] = types.ModuleType("evil_module")
    sys.modules["numpy"] = types.ModuleType("numpy")
    sys.modules["submission_helper"] = types.ModuleType("submission_helper")
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_DenyGraderImports"]
    sys.path.insert(0, "/evil")
    sys.setrecursionlimit(100)
    return 1
''',
    "threads_and_processes": '''
import os, subprocess, sys, threading, time
def act():
    threading.Thread(target=lambda: time.sleep(1000), daemon=True).start()
    threading.Thread(target=lambda: time.sleep(1000)).start()
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)", "MARKER"],
                     start_new_session=True)
    if os.fork() == 0:  # a daemon: double fork, new session, then sleep
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(1000)", "MARKER"])
        os._exit(0)
    time.sleep(0.5)
    return 1
'''.replace("MARKER", MARKER),
    "signals_and_atexit": '''
import atexit, signal
def act():
    for s in (signal.SIGTERM, signal.SIGUSR1, signal.SIGHUP, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(s, lambda *a: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    signal.alarm(100)
    atexit.register(lambda: open("/tmp/atexit.txt", "w").write("ran"))
    return 1
''',
    "working_directory": '''
import os
def act():
    os.chdir("/")
    os.umask(0o777)
    return 1
''',
    "descriptors_and_limits": '''
import os, resource
keep = []
def act():
    try:
        while True:
            keep.append(open(os.devnull))
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    return float(len(keep))
''',
    "random_state": '''
import random, numpy as np, torch
def act():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    torch.rand(1000)
    return 1
''',
}

MODES = ["none"] + (["bwrap"] if detect("auto").bwrap else [])
#: Where this checkout or its Python lies under a folder each forked child gets fresh.
UNDER_FRESH_MOUNTS = hidden_by_fresh_mounts([str(Path(__file__).resolve().parents[2]), sys.prefix, *sys.path])


def test_fork_server_refuses_a_checkout_under_tmp():
    # a fresh tmpfs on /tmp in each forked child would hide a checkout or a venv that lives there
    assert hidden_by_fresh_mounts(["/tmp/clone/grader", "/usr/lib/python3", "/dev/shm/x", "/scratch/y"]) == [
        "/dev/shm/x", "/scratch/y", "/tmp/clone/grader"]
    assert hidden_by_fresh_mounts(["/work/main", "/usr/lib/python3.11", "/tmpdir/x", "__editable__.finder"]) == []


def _request(source: str, functions: list[str]) -> dict:
    return {"filename": "<s.py>", "units": [{"source": source, "first_line": 1, "label": "module"}],
            "functions": functions}


def _probe(limits: Limits) -> dict:
    with Sandbox(_request(PROBE, ["describe"]), limits) as sb:
        assert sb.load().fatal is None
        out = sb.call("describe", [])
        assert out.status == "ok", out.error
        assert sb.forking == bool(limits.fork_server)
        return json.loads(out.value)


def _host_markers() -> int:
    found = 0
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and MARKER.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found += 1
        except OSError:
            pass
    return found


def _limits(isolation: str, fork: int) -> Limits:
    return Limits(isolation=isolation, fork_server=fork, call_timeout=5.0)


@pytest.fixture(scope="module", params=MODES)
def baselines(request):
    """The probe in a spawned sandbox and in the first child of a fresh zygote."""
    isolation = request.param
    if isolation == "bwrap" and UNDER_FRESH_MOUNTS:
        pytest.skip(f"this checkout or Python lies under /tmp ({UNDER_FRESH_MOUNTS[0]}): the fork server "
                    "falls back to spawning there (test_fork_server_refuses_a_checkout_under_tmp)")
    forkserver.shutdown()  # a fresh zygote for this module
    spawned = _probe(_limits(isolation, 0))
    forked = _probe(_limits(isolation, 1))
    return isolation, spawned, forked


#: What legitimately differs between children: random generators seeded from entropy (torch's
#: too, in the builds that do not start every process with the same seed), and in a sandbox
#: without bubblewrap /tmp, which is the host's.
RANDOM = ("py_random", "np_random", "torch_rand", "torch_seed")
TORCH_DEFAULT_SEED = 67280421310721


def _same(a: dict, b: dict, isolation: str) -> dict:
    ignored = RANDOM if a["torch_seed"] != TORCH_DEFAULT_SEED else RANDOM[:2]
    ignored += ("tmp",) if isolation == "none" else ()
    return {k: (a[k], b.get(k)) for k in a if k not in ignored and a[k] != b.get(k)}


def _fresh_randomness(a: dict, b: dict) -> None:
    assert a["py_random"] != b["py_random"] and a["np_random"] != b["np_random"]
    if a["torch_seed"] != TORCH_DEFAULT_SEED:
        assert a["torch_seed"] != b["torch_seed"] and a["torch_rand"] != b["torch_rand"]


def test_a_forked_child_looks_like_a_fresh_process(baselines):
    isolation, spawned, forked = baselines
    assert _same(forked, spawned, isolation) == {}
    assert forked["tasks"] == 1 and forked["torch"][-1] == 1
    for zygote in forkserver._ZYGOTES.values():  # single-threaded when it forks: no OpenMP pool
        assert zygote.ready["tasks"] == 1 and zygote.ready["torch_threads"] == 1
    assert (forked["torch_seed"] == TORCH_DEFAULT_SEED) == (spawned["torch_seed"] == TORCH_DEFAULT_SEED)
    _fresh_randomness(forked, spawned)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_nothing_survives_to_the_next_student(baselines, kind):
    isolation, _, forked = baselines
    limits = _limits(isolation, 1)
    zygotes_before = {id(z) for z in forkserver._ZYGOTES.values()}
    with Sandbox(_request(HOSTILE[kind], ["act"]), limits) as sb:
        assert sb.load().fatal is None and sb.forking
        out = sb.call("act", [])
        # a patched len() also breaks the student's own reply: that student's call crashes
        assert out.status == ("crash" if kind == "monkeypatching" else "ok"), out.error
    deadline = time.monotonic() + 5
    while _host_markers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _host_markers() == 0, "a background process of the hostile submission survived"
    after = _probe(limits)
    assert {id(z) for z in forkserver._ZYGOTES.values()} == zygotes_before  # the same worker's zygote
    assert _same(after, forked, isolation) == {}
    _fresh_randomness(after, forked)


def test_children_are_separate_and_not_dumpable(baselines):
    isolation, _, _ = baselines
    source = '''
import ctypes, json, os
def who():
    libc = ctypes.CDLL(None)
    return json.dumps([os.getpid(), os.getsid(0) == os.getpgid(0) == os.getppid(),
                       libc.prctl(3, 0, 0, 0, 0), len([p for p in os.listdir("/proc") if p.isdigit()])])
'''
    with Sandbox(_request(source, ["who"]), _limits(isolation, 1)) as sb:
        assert sb.load().fatal is None
        out = sb.call("who", [])
    pid, own_session, dumpable, visible = json.loads(out.value)
    assert own_session is True and dumpable == 0  # its reaper's session and group; PR_GET_DUMPABLE 0
    if isolation == "bwrap":
        assert pid == 2 and visible == 2  # its own PID namespace: the reaper and itself


def test_hard_timeout_kills_the_child_and_all_it_started(baselines):
    isolation, _, _ = baselines
    source = f'''
import subprocess, sys
def hang():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)", "{MARKER}"], start_new_session=True)
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
def ok():
    return 1.0
'''
    limits = Limits(isolation=isolation, fork_server=1, call_timeout=1.0)
    with Sandbox(_request(source, ["hang", "ok"]), limits) as sb:
        assert sb.load().fatal is None
        assert sb.call("hang", []).status == "timeout"
        assert _host_markers() == 0
        assert sb.call("ok", []).status == "ok" and sb.starts == 2


def test_unprotectable_hosts_fall_back_to_spawning(monkeypatch, capsys):
    class Unprotected:
        def __init__(self, *args, **kwargs):
            self.problem = "no namespaces here (test)"

        def close(self):
            pass

    monkeypatch.setattr(forkserver, "_UNUSABLE", {})
    monkeypatch.setattr(forkserver, "_ZYGOTES", {})
    monkeypatch.setattr(forkserver, "Zygote", Unprotected)
    for _ in range(2):
        with Sandbox(_request("def f():\n    return 1.0\n", ["f"]), _limits("none", 1)) as sb:
            assert sb.load().fatal is None and not sb.forking
            assert sb.call("f", []).status == "ok"
    assert capsys.readouterr().err.count("fork server not used (no namespaces here (test))") == 1


def test_a_dead_zygote_is_replaced_without_failing_the_next_student(baselines):
    isolation, _, _ = baselines
    limits = _limits(isolation, 1)
    _probe(limits)
    for zygote in list(forkserver._ZYGOTES.values()):
        os.killpg(zygote.proc.pid, 9)
        zygote.proc.wait(timeout=10)
    after = _probe(limits)  # a fresh zygote, transparently
    assert after["tasks"] == 1


def test_a_zygote_outlives_the_thread_that_started_it(baselines):
    """The death signal of a zygote is tied to the thread that forks it (prctl(2)): a run's preflight
    thread, a spare's or a worker's often ends first, and the zygote then died under every student
    being forked from it ("died with SIGKILL" for a syntax error, in CI)."""
    import threading

    isolation, _, _ = baselines
    limits = _limits(isolation, 1)
    forkserver.shutdown()
    thread = threading.Thread(target=_probe, args=(limits,))
    thread.start()
    thread.join()
    started = list(forkserver._ZYGOTES.values())
    assert len(started) == 1
    time.sleep(0.5)  # the signal, had it been sent, arrives within microseconds
    assert started[0].alive(), f"the zygote died with the thread that started it ({started[0].proc.returncode})"
    assert _probe(limits)["tasks"] == 1
    assert list(forkserver._ZYGOTES.values()) == started  # forked from it, not from a second start-up


@pytest.mark.parametrize("falls_back", [True, False], ids=["falls-back", "forks"])
def test_a_fallback_to_spawning_is_a_note_in_the_report(monkeypatch, falls_back):
    """Said once on stderr, and in every document graded without the fork server (on by default)."""
    from grader.discover import discover
    from grader.grading import grade_submission
    from grader.rubric import load_rubrics

    if falls_back:
        reason = "no user namespaces here"
        monkeypatch.setattr(forkserver, "_UNUSABLE", {True: reason, False: reason})
    elif hidden_by_fresh_mounts([str(ROOT), sys.executable]) or not detect("auto").bwrap:
        pytest.skip("this checkout cannot use the fork server (under /tmp, or no bubblewrap)")
    rubrics = load_rubrics()
    sub = next(s for s in discover(ROOT / "submissions", rubrics).submissions if s.student == "katherine_johnson")
    doc = grade_submission(sub, rubrics["quiz1"], Limits(fork_server=1))
    notes = [n for n in doc["notes"] if "fork server" in n]
    assert notes == (["Sandbox: the fork server was not used (no user namespaces here); this "
                      "submission ran in a process of its own, with the same limits."] if falls_back else [])
    assert doc["score"] == doc["max_score"]  # graded all the same


def test_worker_threads_share_one_zygote():
    """Two threads grading at once fork from the same zygote: one start-up per process, not per thread."""
    if hidden_by_fresh_mounts([str(ROOT), sys.executable]) or not detect("auto").bwrap:
        pytest.skip("this checkout cannot use the fork server (under /tmp, or no bubblewrap)")
    from concurrent.futures import ThreadPoolExecutor

    limits = Limits(fork_server=1, call_timeout=5.0)
    before = set(forkserver._ZYGOTES)
    with ThreadPoolExecutor(max_workers=3) as pool:
        probes = list(pool.map(lambda _: _probe(limits), range(6)))
    assert all(p["tasks"] == 1 for p in probes)  # each probe alone in its own fresh child
    assert len(set(forkserver._ZYGOTES) - before) <= 1  # at most the one zygote of this command line
