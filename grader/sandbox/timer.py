"""The per-call time limit inside the sandbox child: CPU time first, wall clock as a backstop.

A call's limit counts the CPU time the child spends (``ITIMER_PROF``: user
plus system time of all its threads), not the wall clock, so a loaded machine
(another student's fork bomb in the next worker, a busy CI runner) cannot turn
a correct call into a timeout: a call starved of the CPU uses no CPU time. A
wall-clock limit (``ITIMER_REAL``, :meth:`grader.limits.Limits.wall_timeout`
of the CPU limit, sent by the grader with each call) still ends code that
waits without computing (``time.sleep``, a blocked pipe).

Either limit raises :class:`CallTimeout` inside the student's code. Student
code that catches it and carries on (``except BaseException: pass``) gets a
short grace of the same clock; when that expires too, the timer calls its
``on_kill`` callback from the signal handler (the child replies "timeout" and
exits), so even a call that swallows the timeout costs about ``limit + grace``
and not the grader's hard kill.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from typing import Any

__all__ = ["CallTimeout", "CallTimer", "GRACE_SECONDS"]

#: Seconds of the same clock a student's code gets after it has caught :class:`CallTimeout`.
GRACE_SECONDS = 1.0


class CallTimeout(BaseException):
    """Raised inside student code when a call exceeds its CPU-time or wall-clock limit.

    Attributes
    ----------
    clock : {"cpu", "wall"}
        Which limit expired.
    """

    def __init__(self, clock: str) -> None:
        super().__init__(clock)
        self.clock = clock


class CallTimer:
    """Context manager arming the CPU-time and wall-clock limits of one call.

    Parameters
    ----------
    cpu_seconds : float
        CPU-time limit of the call in seconds (``ITIMER_PROF``); 0 or less
        means no soft limit (the grader's hard kill remains).
    wall_seconds : float
        Wall-clock backstop in seconds (``ITIMER_REAL``); 0 or less means none.
    on_kill : callable
        Called with the timer from the signal handler when the grace after a
        caught :class:`CallTimeout` has expired too; it must not return
        (the child replies and calls ``os._exit``).

    Attributes
    ----------
    fired : {"cpu", "wall"} or None
        The limit that expired first, if any.
    """

    def __init__(self, cpu_seconds: float, wall_seconds: float,
                 on_kill: Callable[[CallTimer], None]) -> None:
        self.cpu_seconds = cpu_seconds
        self.wall_seconds = wall_seconds
        self.on_kill = on_kill
        self.fired: str | None = None
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()

    def _expired(self, clock: str, which: int) -> None:
        if self.fired is None:
            self.fired = clock
            signal.setitimer(which, GRACE_SECONDS)  # if the student swallows the timeout
            raise CallTimeout(clock)
        self.on_kill(self)

    def __enter__(self) -> CallTimer:
        def on_prof(signum: int, frame: Any) -> None:
            self._expired("cpu", signal.ITIMER_PROF)

        def on_alarm(signum: int, frame: Any) -> None:
            self._expired("wall", signal.ITIMER_REAL)

        signal.signal(signal.SIGPROF, on_prof)
        signal.signal(signal.SIGALRM, on_alarm)
        self.fired = None
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        if self.cpu_seconds > 0:
            signal.setitimer(signal.ITIMER_PROF, self.cpu_seconds)
        if self.wall_seconds > 0:
            signal.setitimer(signal.ITIMER_REAL, self.wall_seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)

    def elapsed(self) -> float:
        """Wall-clock seconds since the timer was armed.

        Returns
        -------
        float
        """
        return time.perf_counter() - self.started

    def cpu_elapsed(self) -> float:
        """CPU seconds this process has used since the timer was armed.

        Returns
        -------
        float
        """
        return time.process_time() - self.cpu_started

    def report(self) -> dict[str, Any]:
        """The fields of the child's ``timeout`` reply.

        Returns
        -------
        dict
            ``timeout`` (True), ``clock`` (the limit that expired),
            ``limit`` (its seconds), ``seconds`` (wall) and ``cpu_seconds``.
        """
        clock = self.fired or "cpu"
        limit = self.cpu_seconds if clock == "cpu" else self.wall_seconds
        return {"ok": False, "timeout": True, "clock": clock, "limit": limit,
                "seconds": self.elapsed(), "cpu_seconds": self.cpu_elapsed()}
