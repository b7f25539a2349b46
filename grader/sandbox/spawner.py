"""Processes that must outlive the thread that asks for them, started from one thread that lasts.

Linux ties ``PR_SET_PDEATHSIG`` (and bubblewrap's ``--die-with-parent``,
which is built on it) to the *thread* that forked the process, not to the
process: "the signal will be sent when that thread terminates" (prctl(2)).
The zygote sets it so that it dies with the grader, but it is shared by
every sandbox of the process, and the thread that happens to need it first
(the preflight's, a spare's, a worker's) often ends long before the run
does: the zygote, and every child forked from it, was then SIGKILLed under
the students being graded. :func:`run_in_spawner` runs the start in one
daemon thread that ends only with the process, so the death signal still
comes when the grader dies, and only then.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["run_in_spawner"]

T = TypeVar("T")

_TASKS: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
_LOCK = threading.Lock()
_THREAD: list[threading.Thread] = []


def _serve() -> None:
    while True:
        task, future = _TASKS.get()
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(task())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                future.set_exception(exc)


def run_in_spawner(task: Callable[[], T]) -> T:
    """Run ``task`` in the process's spawner thread and return what it returns (or raise what it raises).

    Parameters
    ----------
    task : callable
        Starts a process (e.g. :class:`grader.sandbox.forkserver.Zygote`) that
        must live longer than the calling thread; quick (it waits for
        nothing but its own start), since callers queue behind it.

    Returns
    -------
    object
        ``task()``.

    Raises
    ------
    BaseException
        Whatever ``task`` raised, in the calling thread.
    """
    with _LOCK:
        if not _THREAD:
            thread = threading.Thread(target=_serve, name="grader-spawner", daemon=True)
            thread.start()
            _THREAD.append(thread)
        elif threading.current_thread() is _THREAD[0]:
            return task()
    future: Future[T] = Future()
    _TASKS.put((task, future))
    return future.result()
