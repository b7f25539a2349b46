"""The fork server ("zygote"): one warm sandbox process per worker that forks a child per submission.

Started by :mod:`grader.execute` exactly like a sandbox child (same boot line,
same bubblewrap namespaces, same minimal environment) but with ``zygote
CTRL_FD MODE`` as arguments. It imports torch, numpy and the sandbox code,
runs a few small single-threaded operations, says ``ready`` and then only
reads fork requests from the grader: a JSON frame with the child's limits and
three descriptors (request pipe, reply pipe, status socket) passed with
``SCM_RIGHTS``. While no request waits, it moves its memory into huge pages,
one range at a time (:mod:`grader.sandbox.huge_pages`), so that each fork
is cheap. It never runs student code. For each request it forks:

* **the reaper** (``C``): in ``ns`` mode (inside bubblewrap) the first process
  of a new PID namespace, then in new mount, IPC, UTS and network
  namespaces; it mounts a fresh ``/proc``, fresh size-limited tmpfs on
  ``/scratch``, ``/tmp`` and ``/dev/shm``, makes ``/``, ``/dev`` and
  ``/proc/sys`` read-only and forbids new user namespaces. It says hello
  on the status socket (the kernel attaches its pid as the grader sees it,
  ``SO_PASSCRED``), waits for ``go`` (the grader has moved it into the
  submission's pids cgroup by then), forks the student process, reaps, and
  sends its wait status. When it dies the kernel kills the whole namespace.
  In ``plain`` mode (no bubblewrap) it is a session leader and subreaper
  that, when the student's process ends or on ``SIGTERM`` from the grader,
  kills every process left below it.
* **the student process** (``D``): dies with the reaper, not dumpable, fds
  1/2 on ``/dev/null`` and no other inherited descriptor, the zygote's
  start-up environment, its own scratch directory as cwd, all capabilities
  dropped (``ns`` mode), random generators reseeded as a fresh process has
  them, then :func:`grader.sandbox.child.enter` (limits, import guard, serve).
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import struct
import sys
from typing import Any

from grader.sandbox.huge_pages import collapse, collapsible_ranges

__all__ = ["main", "private_mounts"]

_libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_CHILD_SUBREAPER, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 36, 47, 4
_STATUS = struct.Struct(">i")
_TORCH_DEFAULT_SEED = 67280421310721


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def _prctl(option: int, arg: int) -> int:
    return int(_libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                           ctypes.c_ulong(0)))


def _read_only(path: str) -> None:
    _mount(path, path, None, MS_BIND | MS_REC)
    _mount(path, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)


def private_mounts(scratch_bytes: int) -> None:
    """In new mount/IPC/UTS/net namespaces: fresh ``/proc`` and tmpfs, the rest read-only.

    Called by the reaper, already the first process of its PID namespace.

    Parameters
    ----------
    scratch_bytes : int
        Size of each fresh tmpfs (``/scratch``, ``/tmp``, ``/dev/shm``).
    """
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in ("/scratch", "/tmp", "/dev/shm"):
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(scratch_bytes)},mode=1777")
    _mount("/", "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY)
    _mount("/dev", "/dev", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:  # as bwrap --disable-userns
        f.write("0\n")
    for path in ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"):
        if os.path.exists(path):
            _read_only(path)
    os.chdir("/scratch")


def _drop_capabilities() -> None:
    cap = 0
    while _prctl(PR_CAPBSET_DROP, cap) == 0:
        cap += 1
    _libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), ctypes.c_ulong(0),
                ctypes.c_ulong(0), ctypes.c_ulong(0))
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    _check(_libc.capset(header, data), "capset")


def _close_inherited(keep: tuple[int, ...]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _student(request: dict[str, Any], req_fd: int, resp_fd: int, mode: str, env: dict[str, str],
             seed: int) -> None:
    """The forked child that becomes the submission's sandbox (never returns)."""
    import random
    import tempfile

    import numpy as np
    import torch

    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _prctl(PR_SET_DUMPABLE, 0)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    _close_inherited((req_fd, resp_fd))
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(env)
    if mode == "plain":
        os.chdir(request["scratch"])
        os.environ.update(HOME=request["scratch"], TMPDIR=request["scratch"])
    else:
        _drop_capabilities()
    tempfile.tempdir = None
    random.seed()
    np.random.seed()
    if seed == _TORCH_DEFAULT_SEED:  # torch builds that start every process with this seed
        torch.manual_seed(seed)
    else:  # those that seed each process from entropy
        torch.seed()
    from grader.sandbox.child import enter

    enter(req_fd, resp_fd, request["limits"])


def _reaper(request: dict[str, Any], fds: list[int], mode: str, env: dict[str, str], seed: int) -> None:
    """The forked process that owns one submission's namespaces (never returns)."""
    req_fd, resp_fd, status_fd = fds
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    status = socket.socket(fileno=status_fd)
    status.send(b"h")  # the grader reads our pid from the credentials the kernel attaches
    if status.recv(1) != b"g":
        os._exit(0)
    if mode == "ns":
        private_mounts(int(request["scratch_bytes"]))
    else:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
    pid = os.fork()
    if pid == 0:
        status.close()
        _student(request, req_fd, resp_fd, mode, env, seed)
        os._exit(70)
    os.close(req_fd)
    os.close(resp_fd)
    code = _wait_for(pid)
    if mode == "plain":  # no PID namespace to die with us: end what the student left running
        _kill_descendants()
    status.send(_STATUS.pack(code))
    os._exit(0)


class _Terminate(Exception):
    """SIGTERM from the grader: end the submission and everything it started."""


def _wait_for(pid: int) -> int:
    """Reap children until ``pid`` ends (or SIGTERM arrives); its wait status."""
    def on_term(signum: int, frame: Any) -> None:
        raise _Terminate

    signal.signal(signal.SIGTERM, on_term)
    try:
        while True:
            try:
                done, code = os.waitpid(-1, 0)
            except ChildProcessError:
                return 0
            if done == pid:
                return code
    except _Terminate:
        return signal.SIGKILL  # reported as killed


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                children = [int(c) for c in f.read().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def _kill_descendants() -> None:
    """SIGKILL every process below this one (a subreaper: orphans come back to it) until none is left."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for _ in range(200):
        pids = _descendants(os.getpid())
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break


def _fork(request: dict[str, Any], fds: list[int], mode: str, own_pidns: int, env: dict[str, str],
          seed: int, ctrl: socket.socket) -> None:
    """Fork the reaper for one request (in ``ns`` mode into a new PID namespace)."""
    if len(os.listdir("/proc/self/task")) != 1:
        return  # a thread appeared: forking now would be unsafe; the grader sees EOF
    if mode == "ns":
        _check(_libc.unshare(CLONE_NEWPID), "unshare pid")
    try:
        pid = os.fork()
    except OSError:
        pid = -1  # the grader sees EOF on the status socket
    if pid != 0:
        if mode == "ns":
            _check(_libc.setns(own_pidns, CLONE_NEWPID), "setns pid")
        return
    if pid == 0:
        try:
            ctrl.close()
            _reaper(request, fds, mode, env, seed)
        finally:
            os._exit(70)


def _warm_up() -> None:
    """Run once, small and single-threaded, the operations checks use, so children start warm."""
    import numpy as np
    import torch

    from grader.sandbox.codec import from_wire, to_wire

    x = torch.linspace(-1.0, 1.0, 16, dtype=torch.float64).reshape(4, 4).requires_grad_(True)
    y = torch.softmax(x @ x.T / 2.0, dim=-1)
    y = torch.nn.functional.softplus(y).cumsum(0).sqrt().exp().log().tanh()
    torch.autograd.grad(y.mean(), x)
    linear = torch.nn.Linear(4, 4).double()
    linear(x.detach()).sum().backward()
    np.linalg.solve(np.eye(3) * 2.0, np.ones(3))
    from_wire(to_wire(torch.ones(3, dtype=torch.float32)))
    from_wire(to_wire(np.ones((2, 2))))


#: Folders each forked child gets fresh (tmpfs mounted over them), hiding whatever lay below.
FRESH_MOUNTS = ("/tmp", "/scratch", "/dev/shm")


def hidden_by_fresh_mounts(paths: list[str]) -> list[str]:
    """The paths a forked child's fresh tmpfs mounts would hide (a checkout or venv under /tmp).

    Parameters
    ----------
    paths : list of str
        Folders the child needs (this package, the Python installation, ``sys.path``).

    Returns
    -------
    list of str
        Those lying under one of :data:`FRESH_MOUNTS`.
    """
    return sorted({p for p in paths if os.path.isabs(p)  # sys.path may hold path-hook names, not folders
                   and any(os.path.realpath(p).startswith(m + os.sep) for m in FRESH_MOUNTS)})


def _probe(mode: str, own_pidns: int) -> str | None:
    """Try the namespace set-up once in a throwaway fork: None if it works, else why not."""
    if len(os.listdir("/proc/self/task")) != 1:
        return f"the zygote has {len(os.listdir('/proc/self/task'))} threads after importing torch"
    if mode != "ns":
        return None
    hidden = hidden_by_fresh_mounts([os.path.dirname(os.path.dirname(__file__)), sys.prefix, *sys.path])
    if hidden:
        return (f"the grader or Python lives under {', '.join(FRESH_MOUNTS)} ({hidden[0]}), which each "
                "forked child gets fresh")
    read, write = os.pipe()
    try:
        _check(_libc.unshare(CLONE_NEWPID), "unshare pid")
        pid = os.fork()
        if pid == 0:
            try:
                private_mounts(1 << 20)
                _drop_capabilities()
                os.write(write, b"ok")
            except BaseException as exc:  # noqa: BLE001 - reported to the grader
                os.write(write, str(exc).encode()[:500])
            os._exit(0)
        _check(_libc.setns(own_pidns, CLONE_NEWPID), "setns pid")
        os.waitpid(pid, 0)
    except OSError as exc:
        return f"namespaces for forked children are not available: {exc}"
    finally:
        os.close(write)
    answer = os.read(read, 1000).decode("utf-8", "replace")
    os.close(read)
    return None if answer == "ok" else f"namespaces for forked children are not available: {answer}"


def main(argv: list[str]) -> None:
    """Entry point of the zygote: warm up, say ready, fork on request until the grader hangs up.

    Parameters
    ----------
    argv : list of str
        ``[CTRL_FD, MODE]``: a ``SOCK_SEQPACKET`` socket to the grader and
        ``ns`` (inside bubblewrap) or ``plain``.
    """
    ctrl = socket.socket(fileno=int(argv[0]))
    mode = argv[1]
    if mode == "plain":  # inside bubblewrap, --die-with-parent does this
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    env = dict(os.environ)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    import torch

    import grader.sandbox.child  # noqa: F401 - imported (with the fixtures) before any fork

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    seed = torch.initial_seed()
    _warm_up()
    torch.manual_seed(seed)
    own_pidns = os.open("/proc/self/ns/pid", os.O_RDONLY) if mode == "ns" else -1
    problem = _probe(mode, own_pidns)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # reapers are reaped by the kernel
    sys.stdout.flush()
    ready = {"ready": True, "problem": problem, "torch_threads": torch.get_num_threads(),
             "tasks": len(os.listdir("/proc/self/task"))}
    ctrl.send(json.dumps(ready).encode())
    with open("/proc/self/maps") as maps:
        pending, collapsed = collapsible_ranges(maps.read()), 0
    while True:
        if pending and not select.select([ctrl], [], [], 0)[0]:  # idle: one more range in huge pages
            collapsed += collapse(*pending.pop(0))
            if not collapsed:
                pending = []  # the kernel cannot (no MADV_COLLAPSE, huge pages off): forks stay as they were
            continue
        try:
            data, fds, _flags, _addr = socket.recv_fds(ctrl, 1 << 20, 3)
        except OSError:
            return
        if not data:
            return
        try:
            if len(fds) == 3:
                _fork(json.loads(data), fds, mode, own_pidns, env, seed, ctrl)
        finally:
            for fd in fds:
                os.close(fd)
