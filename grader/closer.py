"""Sandboxes closed in a background thread, so that no grading waits for the last one's clean-up.

Closing a sandbox (:meth:`grader.execute.Sandbox.close`) kills its child,
waits for it, empties and removes its cgroup and deletes its scratch
folder: 7 to 12 ms on this machine, none of which the next submission
needs, since every child has its own namespaces, cgroup and scratch. By the
time a sandbox is handed to :func:`close_later` its student's results are
final, so a late clean-up changes nothing any grade depends on. One
thread closes them in order; :func:`drain` (also run at exit) waits until
everything handed over is closed.
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any, Protocol, TypeVar

__all__ = ["close_later", "closed_later", "drain"]


class _Closable(Protocol):
    def close(self) -> None: ...


class _Enterable(Protocol):
    def __enter__(self) -> Any: ...

    def close(self) -> None: ...


ClosableT = TypeVar("ClosableT", bound="_Enterable")

_QUEUE: queue.Queue[_Closable] = queue.Queue()
_LOCK = threading.Lock()
_THREAD: list[threading.Thread] = []


def _run() -> None:
    while True:
        sandbox = _QUEUE.get()
        try:
            sandbox.close()
        except Exception:  # noqa: BLE001, S110 - a failed clean-up must not stop the ones after it
            pass
        finally:
            _QUEUE.task_done()


def close_later(sandbox: _Closable) -> None:
    """Stop ``sandbox``'s processes now (its ``stop()``, if it has one) and close it soon, in the background thread.

    Stopping is one signal and frees the child's memory at once; the rest
    of the clean-up (reaping, cgroup, scratch) waits for the thread, started
    on first use. Under load that thread lags behind the workers (it takes
    the GIL from two busy threads for every step): measured 11 sandboxes
    behind in a 300-submission class, each holding a live child until the
    stop was added.

    Parameters
    ----------
    sandbox : Sandbox
        Done with: nothing will be read from it again.
    """
    stop = getattr(sandbox, "stop", None)
    if callable(stop):
        stop()
    with _LOCK:
        if not _THREAD:
            thread = threading.Thread(target=_run, name="grader-sandbox-closer", daemon=True)
            thread.start()
            _THREAD.append(thread)
    _QUEUE.put(sandbox)


@contextlib.contextmanager
def closed_later(sandbox: ClosableT) -> Iterator[ClosableT]:
    """``with closed_later(Sandbox(...)) as sandbox:``: entered as by ``with``, closed by :func:`close_later`.

    Parameters
    ----------
    sandbox : Sandbox
        A sandbox that nothing outside the block uses.

    Yields
    ------
    Sandbox
        What ``sandbox.__enter__()`` returns (the sandbox itself).
    """
    entered = sandbox.__enter__()
    try:
        yield entered
    finally:
        close_later(sandbox)


@atexit.register
def drain() -> None:
    """Wait until every sandbox handed to :func:`close_later` is closed (run at exit too)."""
    if _THREAD:
        _QUEUE.join()
