"""Sandbox processes started ahead of need and kept until a sandbox adopts them.

Two users:

* ``grade check`` grades one file: its sandbox child (a fresh ``python -I``
  that imports torch) and the grader (which imports torch for the
  references) would pay start-up one after the other.
  :func:`grader.prestart.prestart` spawns the child first, before the
  grader's heavy imports, and parks it here.
* With the fork server, each sandbox that starts its child asks for a
  *spare* (:func:`start_ahead`): a fresh fork of the zygote, made in a
  background thread while this submission is graded, with its own scratch
  folder, namespaces and cgroup. The next submission adopts it instead of
  waiting for its fork and set-up (20 to 40 ms on this machine).

The next :class:`grader.execute.Sandbox` with the same limits adopts a
parked child in :meth:`~grader.execute.Sandbox.load` (:func:`take`). A
parked child has run nothing of any submission: it is exactly what
``load`` would start. This module only keeps them (it imports nothing of
the sandbox).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from typing import Any, Protocol

from grader.limits import Limits

__all__ = ["MAX_PARKED", "MAX_SPARES", "close_all", "park", "start_ahead", "take"]

#: Most children kept per limits (the oldest is closed beyond it).
MAX_PARKED = 4
#: Most spares parked or being started per limits: one per worker thread
#: (``--workers`` defaults to the CPUs available; at least 2). Each is a live
#: child (two processes); a sandbox that finds none forks its own, 20 to 40 ms.
#: Without the cap the count crept up to :data:`MAX_PARKED` in a 300-submission
#: class (a sandbox that finds the spare still forking forks its own *and*
#: starts another).
MAX_SPARES = min(MAX_PARKED, max(2, len(os.sched_getaffinity(0))))


class _Closable(Protocol):
    def close(self) -> None: ...


_PARKED: dict[Limits, list[Any]] = {}
_STARTING: dict[Limits, int] = {}  # spares being started, per limits
_LOCK = threading.Lock()
_CLOSED = threading.Event()  # set at exit: what is parked later is closed at once


def park(limits: Limits, sandbox: _Closable) -> None:
    """Keep a started sandbox for the next one made with ``limits`` (beyond :data:`MAX_PARKED`, the oldest is closed).

    Parameters
    ----------
    limits : Limits
        The limits it was started with.
    sandbox : Sandbox
        Started, nothing loaded (:func:`grader.prestart.prestart`, or a spare).
    """
    old = None
    with _LOCK:
        if _CLOSED.is_set():
            old = sandbox
        else:
            queue = _PARKED.setdefault(limits, [])
            queue.append(sandbox)
            if len(queue) > MAX_PARKED:
                old = queue.pop(0)
    if old is not None:
        old.close()


def take(limits: Limits) -> Any:
    """The oldest parked sandbox for these limits, or None (it then belongs to the caller)."""
    with _LOCK:
        queue = _PARKED.get(limits)
        if not queue:
            return None
        sandbox = queue.pop(0)
        if not queue:
            del _PARKED[limits]
        return sandbox


def start_ahead(limits: Limits, start: Callable[[], _Closable | None]) -> threading.Thread | None:
    """Run ``start`` in a background thread and park what it returns for the next sandbox with ``limits``.

    Nothing is started when :data:`MAX_SPARES` are already parked or being
    started for these limits.

    Parameters
    ----------
    limits : Limits
        The limits the sandbox is started with.
    start : callable
        Starts one sandbox (nothing loaded) and returns it, or None when it
        could not; it must not raise.

    Returns
    -------
    threading.Thread or None
        The (daemon) thread, already started; None if none was needed.
    """
    with _LOCK:
        if len(_PARKED.get(limits, ())) + _STARTING.get(limits, 0) >= MAX_SPARES:
            return None
        _STARTING[limits] = _STARTING.get(limits, 0) + 1

    def run() -> None:
        try:
            sandbox = start()
            if sandbox is not None:
                park(limits, sandbox)
        finally:
            with _LOCK:
                _STARTING[limits] -= 1
    thread = threading.Thread(target=run, name="grader-spare-sandbox", daemon=True)
    thread.start()
    return thread


def close_all() -> None:
    """Close every parked sandbox (what is parked later is kept again)."""
    with _LOCK:
        parked = [sandbox for queue in _PARKED.values() for sandbox in queue]
        _PARKED.clear()
    for sandbox in parked:
        sandbox.close()


@atexit.register
def _close_parked() -> None:
    _CLOSED.set()  # at exit: a spare parked from now on is closed at once
    close_all()
