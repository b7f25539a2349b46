"""Grader side of the conversation with a sandbox child: its pipes, its replies, its exit.

:class:`grader.execute.Sandbox` sends requests; this module turns what comes
back (a reply frame, or an exit status when the child died) into a
:class:`~grader.calls.CallOutcome` or a message a student can read. The
child's side of each reply is :meth:`grader.sandbox.child.Child.call`.
"""

from __future__ import annotations

import fcntl
import os
import signal
from dataclasses import dataclass, field
from typing import Any

from grader.calls import CallOutcome

__all__ = ["PIPE_BYTES", "LoadReply", "pipe", "outcome_of_reply", "exit_message"]


@dataclass
class LoadReply:
    """What the child reported after running the submission's top level.

    Attributes
    ----------
    defined : list of str
        Requested function names that exist and are callable.
    params : dict
        Parameter names of each defined function (``None`` if unknown).
    errors : list of dict
        Exceptions raised while loading: ``type``, ``message``, ``frames``
        (``lineno``, ``name``) and ``unit`` (``"module"`` or ``"cell 3"``).
    fatal : str or None
        Set when no child could be started or it died during loading.
    """

    defined: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    fatal: str | None = None

#: Capacity asked for the request and reply pipes: a call's inputs (up to a
#: few MB of samples) then cross in a few writes instead of one per 64 KiB.
PIPE_BYTES = 1 << 20


def pipe() -> tuple[int, int]:
    """A pipe (read end, write end) of :data:`PIPE_BYTES` where the kernel allows it.

    Returns
    -------
    tuple of int
        As :func:`os.pipe`; the kernel's default capacity (64 KiB) is kept
        where the size is above ``/proc/sys/fs/pipe-max-size`` for this user.
    """
    read, write = os.pipe()
    for fd in (read, write):
        try:
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
        except OSError:
            pass
    return read, write


def outcome_of_reply(reply: dict[str, Any], timeout: float, wall: float) -> CallOutcome:
    """The outcome of one call from the child's reply frame.

    Parameters
    ----------
    reply : dict
        ``{"ok": true, "value", "extras", "mutated", "seconds"}``,
        ``{"ok": false, "timeout": true, "clock", ...}`` or ``{"ok": false,
        "error": {...}}`` (:mod:`grader.sandbox.child`); anything malformed
        in it is read as missing, never trusted.
    timeout : float
        The call's CPU-time limit, seconds.
    wall : float
        Its wall-clock limit, seconds.

    Returns
    -------
    CallOutcome
    """
    seconds = float(reply.get("seconds", 0.0)) if isinstance(reply.get("seconds"), (int, float)) else 0.0
    if reply.get("timeout") is True:
        if reply.get("clock") == "wall":
            return CallOutcome("timeout", seconds=wall, clock="wall")
        return CallOutcome("timeout", seconds=timeout, clock="cpu")
    if reply.get("ok") is True:
        raw_extras = reply.get("extras")
        extras = raw_extras if isinstance(raw_extras, dict) else {}
        mutated = [m for m in reply.get("mutated", []) if isinstance(m, str)]
        return CallOutcome("ok", value=reply.get("value"), extras=extras, mutated=mutated, seconds=seconds)
    error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
    return CallOutcome("error", error=error, seconds=seconds)


def exit_message(code: int | None) -> str:
    """What a student reads about a child that died or stopped answering.

    Parameters
    ----------
    code : int or None
        Its exit code (negative: the signal that killed it), or None if it
        is still running but silent.

    Returns
    -------
    str
    """
    if code is None:
        return "the sandbox process stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = {"SIGKILL": " (killed: a resource limit or an explicit kill)",
                "SIGXCPU": " (CPU time limit exceeded)",
                "SIGSEGV": " (segmentation fault)"}.get(name, "")
        return f"the process running the submission died with {name}{hint}"
    return f"the process running the submission exited with status {code} (os._exit or a crash)"
