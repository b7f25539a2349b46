"""The grader's handle on one child forked by the fork server (:mod:`grader.sandbox.forkserver`).

The parts of :class:`subprocess.Popen` the sandbox uses (``poll``, ``wait``,
``kill``), over the status socket the forked reaper reports on and a pidfd
(no pid reuse race). Standard library only, like the rest of
:mod:`grader.sandbox`.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import struct
import subprocess
from typing import Protocol

__all__ = ["ForkedChild", "readable"]

_STATUS = struct.Struct(">i")


class _Zygote(Protocol):
    def alive(self) -> bool: ...


def readable(sock: socket.socket, timeout: float) -> bool:
    """Whether ``sock`` has data (or EOF) within ``timeout`` seconds.

    Parameters
    ----------
    sock : socket.socket
        A connected socket (the status or control socket of the fork server).
    timeout : float
        Seconds to wait; 0 (or less) asks without waiting.

    Returns
    -------
    bool
    """
    ready, _, _ = select.select([sock], [], [], max(0.0, timeout))
    return bool(ready)


class ForkedChild:
    """One forked sandbox child, with the parts of :class:`subprocess.Popen` the sandbox uses.

    Parameters
    ----------
    status : socket.socket
        The grader's end of the status socket (hello already received).
    pid : int
        Host pid of the reaper (the child's process group and, with
        namespaces, the first process of its PID namespace).
    plain : bool
        No PID namespace: killing means killing the process group.
    zygote : grader.sandbox.forkserver.Zygote, optional
        The zygote it was forked from (a child whose zygote died may die with it).
    """

    def __init__(self, status: socket.socket, pid: int, plain: bool, zygote: _Zygote | None = None) -> None:
        self.zygote = zygote
        self.status = status
        self.pid = pid
        self.plain = plain
        self.pidfd = os.pidfd_open(pid)
        self.returncode: int | None = None

    def _collect(self) -> None:
        try:
            data = self.status.recv(_STATUS.size)
        except OSError:
            data = b""
        if len(data) == _STATUS.size:
            self.returncode = os.waitstatus_to_exitcode(_STATUS.unpack(data)[0])
        else:  # the reaper died without reporting: killed
            self.returncode = -signal.SIGKILL

    def poll(self) -> int | None:
        """The exit code if the child has ended (negative: killed by that signal), else None.

        Returns
        -------
        int or None
        """
        if self.returncode is None and readable(self.status, 0):
            self._collect()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to end.

        Parameters
        ----------
        timeout : float, optional
            Seconds; None waits forever.

        Returns
        -------
        int
            As :meth:`poll`.

        Raises
        ------
        subprocess.TimeoutExpired
            If it is still running after ``timeout``.
        """
        if self.returncode is None:
            if not readable(self.status, 1e9 if timeout is None else timeout):
                raise subprocess.TimeoutExpired("forked child", timeout or 0.0)
            self._collect()
        assert self.returncode is not None
        return self.returncode

    def _signal(self, signum: int) -> None:
        try:
            signal.pidfd_send_signal(self.pidfd, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        """Start killing the child and all it started, without waiting (:meth:`kill` then finishes).

        With a PID namespace: SIGKILL the reaper (the kernel kills all
        inside). Without: SIGTERM, which asks the reaper to kill every
        process below it and exit.
        """
        if self.returncode is None:
            self._signal(signal.SIGTERM if self.plain else signal.SIGKILL)

    def kill(self) -> None:
        """Kill the child and all it started.

        With a PID namespace: SIGKILL the reaper, and the kernel kills all
        inside. Without: SIGTERM asks the reaper (a subreaper) to kill every
        process below it; after 3 s, or if it is gone, SIGKILL it and its
        process group.
        """
        if self.plain and self.returncode is None:
            self._signal(signal.SIGTERM)
            if readable(self.status, 3.0):
                self._collect()
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._signal(signal.SIGKILL)

    def close(self) -> None:
        """Release the pidfd and the status socket."""
        self.status.close()
        os.close(self.pidfd)
