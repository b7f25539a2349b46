"""The grader's side of the fork server: start a zygote, ask it for children (:mod:`grader.sandbox.forked_child`).

The zygote itself is :mod:`grader.sandbox.zygote`; :mod:`grader.execute` builds
its command line (the sandbox's boot line, bubblewrap namespaces); one zygote
per process serves every worker thread. This module uses only the standard library, like the
rest of :mod:`grader.sandbox`.

Talking to a zygote: a ``SOCK_SEQPACKET`` socket pair. After its warm-up the
zygote sends ``{"ready": true, "problem": null | "why not"}``. Each fork request
is one JSON frame plus three descriptors (``SCM_RIGHTS``): the read end of the
request pipe, the write end of the reply pipe, and one end of a fresh status
socket. On the status socket the forked reaper says hello, and since the
grader's end has ``SO_PASSCRED`` the kernel attaches the reaper's pid *as the
grader sees it*; the grader opens a pidfd on it (no pid reuse race), lets
the caller move it into a cgroup, and answers ``go``. When the student's
process ends, the reaper sends its wait status; when the reaper dies, the
socket reaches EOF.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from grader.sandbox.forked_child import ForkedChild, readable
from grader.sandbox.spawner import run_in_spawner

__all__ = ["ZygoteError", "Zygote", "ForkedChild", "zygote_for", "shutdown"]

_CREDS = struct.Struct("3i")


class ZygoteError(Exception):
    """The zygote could not start or could not fork a child."""


class Zygote:
    """A running fork server.

    Parameters
    ----------
    cmd : list of str
        Its command line up to, not including, the control descriptor and mode.
    env : dict
        Its environment (that of a sandbox child).
    cwd : str
        Its working directory.
    plain : bool
        True without bubblewrap (mode ``plain``), False inside it (``ns``).
    timeout : float
        Seconds to wait for it to be ready.

    Raises
    ------
    ZygoteError
        If it exits or does not answer in time (with the end of its stderr).

    Attributes
    ----------
    problem : str or None
        Why forked children cannot be protected here (None: they can).
    ready : dict
        The zygote's ready message: ``problem``, ``torch_threads`` and
        ``tasks`` (its threads when it is ready to fork: 1).
    """

    def __init__(self, cmd: list[str], env: dict[str, str], cwd: str, plain: bool, timeout: float) -> None:
        self.plain = plain
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.stderr = tempfile.TemporaryFile()
        try:
            # from the spawner thread: its death signal is tied to the thread that forks it
            self.proc = run_in_spawner(lambda: subprocess.Popen(
                cmd + [str(theirs.fileno()), "plain" if plain else "ns"], pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr, cwd=cwd, env=env,
                start_new_session=True))
        finally:
            theirs.close()
        self.problem: str | None = None
        deadline = time.monotonic() + timeout
        if not readable(self.sock, deadline - time.monotonic()):
            self.close()
            raise ZygoteError(f"the fork server did not start within {timeout:g} s")
        data = self.sock.recv(1 << 16)
        if not data:
            tail = self.stderr_tail()
            self.close()
            raise ZygoteError("the fork server could not start" + (f": {tail}" if tail else ""))
        self.ready: dict[str, Any] = json.loads(data)
        self.problem = self.ready.get("problem")

    def stderr_tail(self) -> str:
        """The last line the zygote wrote to its stderr ('' if none).

        Returns
        -------
        str
        """
        self.stderr.seek(0)
        text = self.stderr.read()[-1500:].decode("utf-8", "replace").strip()
        return text.splitlines()[-1] if text else ""

    def alive(self) -> bool:
        """Whether the zygote is still running.

        Returns
        -------
        bool
        """
        return self.proc.poll() is None

    def fork(self, request: dict[str, Any], req_r: int, resp_w: int, timeout: float,
             join: Callable[[int], None] | None = None) -> ForkedChild:
        """Fork a child that will read requests from ``req_r`` and reply on ``resp_w``.

        Parameters
        ----------
        request : dict
            ``limits`` (the child's JSON limits, decoded), ``scratch`` (its
            working directory, ``plain`` mode) and ``scratch_bytes`` (tmpfs
            size, ``ns`` mode).
        req_r, resp_w : int
            Pipe ends the child keeps (the caller closes its copies).
        timeout : float
            Seconds to wait for the child's hello.
        join : callable, optional
            Called with the child's host pid before it may fork the student's
            process (e.g. to move it into a pids cgroup).

        Returns
        -------
        ForkedChild

        Raises
        ------
        ZygoteError
            If the zygote is gone, or the child never said hello or died before its go.
        """
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        mine.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()], [req_r, resp_w, theirs.fileno()])
        except OSError as exc:
            mine.close()
            raise ZygoteError(f"the fork server is gone: {exc}") from None
        finally:
            theirs.close()
        try:
            pid = self._hello(mine, timeout)
            child = ForkedChild(mine, pid, self.plain, self)
        except (OSError, ZygoteError) as exc:
            mine.close()
            raise ZygoteError(f"the fork server could not fork a child: {exc}") from None
        try:
            if join is not None:
                join(pid)
            mine.send(b"g")
        except OSError as exc:  # the child died before its go (e.g. with its zygote)
            child.kill()
            child.close()
            raise ZygoteError(f"the forked child died before it started: {exc}") from None
        return child

    @staticmethod
    def _hello(sock: socket.socket, timeout: float) -> int:
        if not readable(sock, timeout):
            raise ZygoteError("no hello")
        data, ancillary, _flags, _addr = sock.recvmsg(1, socket.CMSG_SPACE(_CREDS.size))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and data == b"h":
                pid = int(_CREDS.unpack(payload[:_CREDS.size])[0])
                if pid > 0:
                    return pid
        raise ZygoteError("the child did not say hello")

    def close(self) -> None:
        """Hang up (the zygote exits), then make sure it is gone."""
        self.sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait(timeout=5)
        self.stderr.close()


_ZYGOTES: dict[tuple[Any, ...], Zygote] = {}
_LOCK = threading.Lock()
_START_LOCK = threading.Lock()
#: Why forked children cannot be protected, per kind of zygote (said once; callers then spawn).
_UNUSABLE: dict[bool, str] = {}


def zygote_for(cmd: list[str], env: dict[str, str], plain: bool, timeout: float) -> Zygote | None:
    """The zygote of this process for this command line, started if needed (or again, if it died).

    One zygote per command line, shared by every worker thread: it forks one
    child at a time in a few milliseconds, and each thread then talks to its
    own child only, so sharing costs nothing while every extra zygote costs
    a start-up (Python plus ``import torch``) and its memory. Closed by
    :func:`shutdown` at exit.

    Parameters
    ----------
    cmd, env, plain, timeout
        As for :class:`Zygote`.

    Returns
    -------
    Zygote or None
        None where the zygote reports that forked children cannot get their
        protections (said once on stderr): the caller spawns a process instead.

    Raises
    ------
    ZygoteError
        If the zygote cannot start at all.
    """
    key = tuple(cmd)
    with _START_LOCK:  # one thread starts it; the others wait for that one instead of starting their own
        if plain in _UNUSABLE:
            return None
        with _LOCK:
            zygote = _ZYGOTES.get(key)
            if zygote is not None and not zygote.alive():
                del _ZYGOTES[key]
                gone, zygote = zygote, None
            else:
                gone = None
        if gone is not None:
            gone.close()
        if zygote is not None:
            return zygote
        zygote = Zygote(cmd, env, "/", plain=plain, timeout=timeout)
        if zygote.problem:
            zygote.close()
            _UNUSABLE[plain] = zygote.problem
            print(f"grader: fork server not used ({zygote.problem}); each submission starts its own "
                  "sandbox process", file=sys.stderr)
            return None
        with _LOCK:
            _ZYGOTES[key] = zygote
        return zygote


def forget(zygote: Zygote) -> None:
    """Close ``zygote`` (one that failed to fork) so that the next :func:`zygote_for` starts a fresh one.

    Parameters
    ----------
    zygote : Zygote
        As returned by :func:`zygote_for`; closing it again is harmless.
    """
    with _LOCK:
        for key, known in list(_ZYGOTES.items()):
            if known is zygote:
                del _ZYGOTES[key]
    zygote.close()


def fallback_reason() -> str | None:
    """Why this process's fork server fell back to spawning, or None if it has not.

    Returns
    -------
    str or None
        The zygote's own explanation (e.g. no user namespaces), as said once on stderr.
    """
    return next(iter(_UNUSABLE.values()), None)


@atexit.register
def shutdown() -> None:
    """Stop every zygote of this process (also run at exit)."""
    with _LOCK:
        zygotes = list(_ZYGOTES.values())
        _ZYGOTES.clear()
    for zygote in zygotes:
        zygote.close()
