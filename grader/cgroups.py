"""The cgroups of one sandbox: a pids cgroup and, where the host allows, a memory cgroup.

:class:`SandboxCgroups` is what :class:`grader.execute.Sandbox` holds: the
processes of one child (forked or spawned) and everything they start are
in both, from before any student code runs.

With a memory cgroup (:attr:`grader.isolation.Isolation.memory_root`),
``memory_mb`` limits the **resident** memory the submission allocates:
pages the child shares with the zygote stay charged where they were first
touched (the zygote's cgroup), so only what the student's code allocates
counts. The kernel's OOM killer ends a child that goes beyond it, and the
student reads that the memory limit was exceeded. ``RLIMIT_AS`` is then only
a backstop against absurd reservations, :data:`ADDRESS_SPACE_FACTOR` times
the limit: torch reserves far more address space than it touches, so an
address-space limit refuses correct code long before its memory is used.
Without a memory cgroup, ``RLIMIT_AS`` at ``memory_mb`` is the limit, as
before.
"""

from __future__ import annotations

import json
import os
import signal
import uuid

from grader.isolation import Isolation, MemoryRoot, PidsCgroup
from grader.limits import Limits
from grader.replies import exit_message

__all__ = ["ADDRESS_SPACE_FACTOR", "MemoryCgroup", "SandboxCgroups", "cgroups_for", "child_limits", "exit_text"]

#: With a memory cgroup, the child's RLIMIT_AS is this many times ``memory_mb``.
ADDRESS_SPACE_FACTOR = 4


class MemoryCgroup(PidsCgroup):
    """A memory cgroup for one sandbox: create with a limit, join, count OOM kills, remove.

    Parameters
    ----------
    root : MemoryRoot
        Where to make it (:attr:`grader.isolation.Isolation.memory_root`).
    limit_bytes : int
        Most resident memory (and tmpfs pages) its processes may be charged.
    """

    def __init__(self, root: MemoryRoot, limit_bytes: int) -> None:  # noqa: D107 - see the class
        self.root = root
        self.path = root.path / f"grader-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.path.mkdir()
        (self.path / root.limit_file).write_text(f"{int(limit_bytes)}\n")

    def oom_kills(self) -> int:
        """How many of its processes the OOM killer ended (0 if unreadable).

        Returns
        -------
        int
        """
        name = "memory.oom_control" if self.root.version == 1 else "memory.events"
        try:
            for line in (self.path / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":  # v1 counts kills since Linux 4.13; before, a kill reads as a plain SIGKILL
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0


class SandboxCgroups:
    """The pids cgroup and the memory cgroup of one sandbox (each only where the host has it).

    Parameters
    ----------
    isolation : Isolation
        What the host offers (:func:`grader.isolation.detect`).
    limits : Limits
        ``processes`` and ``memory_mb`` are the two cgroups' limits.

    Raises
    ------
    OSError
        If a cgroup the host offers cannot be made.
    """

    def __init__(self, isolation: Isolation, limits: Limits) -> None:
        self.memory_mb = limits.memory_mb
        self._oom_kills = 0  # counted so far: a later child's death is not blamed on an earlier one's
        self.pids = PidsCgroup(isolation.pids_root, limits.processes) if isolation.pids_root else None
        self.memory = (MemoryCgroup(isolation.memory_root, limits.memory_mb << 20)
                       if isolation.memory_root else None)

    def _all(self) -> list[PidsCgroup]:
        return [c for c in (self.pids, self.memory) if c is not None]

    def join(self, pid: int) -> None:
        """Move process ``pid`` into both (before it runs student code).

        Raises
        ------
        OSError
            If it is gone or cannot be moved.
        """
        for cgroup in self._all():
            cgroup.join(pid)

    def shell_prefix(self) -> list[str]:
        """A command prefix that joins both, then execs the rest of the command line (spawned children)."""
        files = " ".join(str(c.procs) for c in self._all())  # cgroup paths have no spaces
        return ["/bin/sh", "-c", 'for f in $0; do echo $$ > "$f" || exit 125; done; exec "$@"', files]

    def kill_all(self) -> None:
        """SIGKILL every process left in either."""
        for cgroup in self._all():
            cgroup.kill_all()

    def remove(self) -> None:
        """Kill what is left and delete both (errors ignored)."""
        for cgroup in self._all():
            cgroup.remove()

    def oom_killed(self) -> bool:
        """Whether the memory limit killed a process since the last time this was asked."""
        if self.memory is None:
            return False
        kills, self._oom_kills = self._oom_kills, self.memory.oom_kills()
        return self._oom_kills > kills


def cgroups_for(existing: SandboxCgroups | None, isolation: Isolation, limits: Limits) -> SandboxCgroups | None:
    """A sandbox's cgroups: ``existing``, else new ones where the host offers either cgroup, else None.

    Parameters
    ----------
    existing : SandboxCgroups or None
        What the sandbox holds already (kept across restarts of its child).
    isolation : Isolation
        What the host offers.
    limits : Limits
        The sandbox's limits.

    Returns
    -------
    SandboxCgroups or None

    Raises
    ------
    OSError
        If a cgroup the host offers cannot be made.
    """
    if existing is None and (isolation.pids_root is not None or isolation.memory_root is not None):
        return SandboxCgroups(isolation, limits)
    return existing


def child_limits(cgroups: SandboxCgroups | None, limits: Limits) -> str:
    """The JSON limits a child sets on itself: with a memory cgroup, RLIMIT_AS raised to the backstop.

    Parameters
    ----------
    cgroups : SandboxCgroups or None
        The sandbox's cgroups.
    limits : Limits
        The sandbox's limits (``memory_mb`` in MiB).

    Returns
    -------
    str
        :meth:`grader.limits.Limits.child_json`, with ``memory_bytes`` set to
        :data:`ADDRESS_SPACE_FACTOR` x ``memory_mb`` where a memory cgroup holds the child.
    """
    if cgroups is None or cgroups.memory is None:
        return limits.child_json()
    decoded = json.loads(limits.child_json())
    decoded["memory_bytes"] = ADDRESS_SPACE_FACTOR * (limits.memory_mb << 20)
    return json.dumps(decoded)


def exit_text(cgroups: SandboxCgroups | None, code: int | None) -> str:
    """What a student reads about a child that ended: the memory limit, or :func:`grader.replies.exit_message`.

    Parameters
    ----------
    cgroups : SandboxCgroups or None
        The sandbox's cgroups.
    code : int or None
        The child's exit code (negative: the signal that killed it), None if it is silent.

    Returns
    -------
    str
    """
    if code == -signal.SIGKILL and cgroups is not None and cgroups.oom_killed():
        return (f"the process running the submission was killed for using more memory than the limit "
                f"({cgroups.memory_mb} MiB of resident memory)")
    return exit_message(code)
