"""Resource limits of one sandboxed submission, and their ``--limit KEY=VALUE`` form.

:class:`Limits` is plain configuration: :class:`grader.execute.Sandbox`
applies it (the child sets the ``RLIMIT_*`` values and the per-call timers on
itself, the grader kills a child that ignores them), the command line builds it from options and
:func:`parse_limit`.

=====================  =========  ================================================
limit                  default    what it defends
=====================  =========  ================================================
``call_timeout``       10 s       infinite loops, very slow code (per call, CPU)
``call_wall_timeout``  derived    code that waits instead of computing (per call,
                                  wall clock; 0 = ``max(3 x CPU, CPU + 10 s)``)
``cpu_seconds``        600 s      CPU burnt by one child, whatever it does
``memory_mb``          4096 MiB   huge allocations (resident memory in a memory
                                  cgroup where the host has one, else address
                                  space, RLIMIT_AS: :mod:`grader.cgroups`)
``processes``          64         fork bombs (RLIMIT_NPROC; not enforced for root)
``file_mb``            16 MiB     filling the disk (RLIMIT_FSIZE)
``open_files``         256        descriptor exhaustion (RLIMIT_NOFILE)
``startup_timeout``    60 s       a top level that never returns (wall clock)
``fork_server``        1          fork each child from a warm zygote per worker
                                  (0: spawn a fresh interpreter per submission)
=====================  =========  ================================================

``fork_server`` defaults to the environment variable ``GRADER_FORK_SERVER``
(``0`` turns it off; unset means 1), so a whole test run can use either mode.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

__all__ = ["Limits", "TUNABLE", "parse_limit"]


def _fork_server_default() -> int:
    return 0 if os.environ.get("GRADER_FORK_SERVER", "1").strip() == "0" else 1


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed submission (see the module table).

    Attributes
    ----------
    call_timeout : float
        CPU seconds per call (a timer in the child, :mod:`grader.sandbox.timer`):
        CPU time, not wall-clock time, so a loaded machine does not time out
        a correct call.
    call_wall_timeout : float
        Wall-clock seconds per call; 0 (the default) means
        :meth:`wall_timeout` derives it from the CPU limit.
    cpu_seconds : int
        CPU seconds of one child (``RLIMIT_CPU``).
    memory_mb : int
        Memory of one child, MiB: the resident memory it allocates where a
        memory cgroup is available (:mod:`grader.cgroups`; ``RLIMIT_AS`` is
        then 4 times this), else its address space (``RLIMIT_AS``).
    processes : int
        Processes of the sandbox user (``RLIMIT_NPROC``) and of its pids cgroup.
    file_mb : int
        Largest file the child may write, MiB (``RLIMIT_FSIZE``).
    open_files : int
        Open file descriptors (``RLIMIT_NOFILE``).
    startup_timeout : float
        Wall-clock seconds for the submission's top level to run.
    blocked_imports : tuple of str
        Top-level packages the submission may not import.
    isolation : {"auto", "bwrap", "none"}
        OS isolation to use (see :func:`grader.isolation.detect`).
    scratch_mb : int
        Size of the tmpfs working directory inside bubblewrap, MiB.
    fork_server : int
        1: children are forked from a warm fork server (one per process,
        :mod:`grader.sandbox.zygote`) instead of each starting Python and
        torch; 0: one fresh process per submission.
    """

    call_timeout: float = 10.0
    call_wall_timeout: float = 0.0
    cpu_seconds: int = 600
    memory_mb: int = 4096
    processes: int = 64
    file_mb: int = 16
    open_files: int = 256
    startup_timeout: float = 60.0
    #: Top-level packages the submission may not import (the answers and the grader itself;
    #: ``grader.sandbox`` stays importable). Tests of handouts clear it to run reference bodies.
    blocked_imports: tuple[str, ...] = ("reference", "grader")
    #: "auto": bubblewrap namespaces and a pids cgroup where the host allows them;
    #: "bwrap": require bubblewrap; "none": resource limits only.
    isolation: str = "auto"
    #: Size of the tmpfs working directory (and /tmp) inside bubblewrap, MiB.
    scratch_mb: int = 64
    #: 1: fork children from the process's zygote (start-up paid once per process); 0: spawn each.
    fork_server: int = field(default_factory=_fork_server_default)

    def wall_timeout(self, cpu_seconds: float) -> float:
        """The wall-clock backstop of a call whose CPU-time limit is ``cpu_seconds``.

        ``call_wall_timeout`` when set (never below ``cpu_seconds``); else
        three times the CPU limit and at least 10 s more than it: a correct
        call on a machine over-subscribed three times over still finishes,
        and code that only waits is ended within 30 s at the default limit.

        Parameters
        ----------
        cpu_seconds : float
            The call's CPU-time limit (``call_timeout`` or a check's own).

        Returns
        -------
        float
            Seconds of wall-clock time.
        """
        if self.call_wall_timeout > 0:
            return max(self.call_wall_timeout, cpu_seconds)
        return max(3.0 * cpu_seconds, cpu_seconds + 10.0)

    def child_json(self) -> str:
        """The limits the child applies to itself, as JSON.

        Returns
        -------
        str
            A JSON object with ``memory_bytes``, ``cpu_seconds``,
            ``file_bytes``, ``processes``, ``open_files`` and
            ``blocked_imports``.
        """
        return json.dumps({
            "memory_bytes": self.memory_mb << 20,
            "cpu_seconds": self.cpu_seconds,
            "file_bytes": self.file_mb << 20,
            "processes": self.processes,
            "open_files": self.open_files,
            "blocked_imports": list(self.blocked_imports),
        })


#: Limits that can be set with ``--limit KEY=VALUE`` (numbers only).
TUNABLE = ("call_timeout", "call_wall_timeout", "cpu_seconds", "memory_mb", "processes", "file_mb", "open_files",
           "startup_timeout", "scratch_mb", "fork_server")

#: Switches among them: 0 or 1.
_SWITCHES = ("fork_server",)


def parse_limit(text: str) -> tuple[str, float | int]:
    """Parse ``KEY=VALUE`` for one of the :data:`TUNABLE` limits.

    Parameters
    ----------
    text : str
        ``KEY=VALUE``; dashes in KEY count as underscores (``call-timeout=2.5``).

    Returns
    -------
    (str, int or float)
        The field name and its value, of the field's type.

    Raises
    ------
    ValueError
        If the key is unknown or the value is not a positive number of the
        field's type (``fork_server``: 0 or 1).
    """
    key, sep, value = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or key not in TUNABLE:
        raise ValueError(f"{text!r}: expected KEY=VALUE with KEY one of {', '.join(TUNABLE)}")
    kind = type(getattr(Limits(), key))
    try:
        number = kind(value)
    except ValueError:
        raise ValueError(f"{text!r}: {value!r} is not a valid {kind.__name__}") from None
    if key in _SWITCHES:
        if number not in (0, 1):
            raise ValueError(f"{text!r}: {key} is 0 or 1")
    elif number <= 0:
        raise ValueError(f"{text!r}: the limit must be positive")
    return key, number
