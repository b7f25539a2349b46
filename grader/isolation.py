"""OS-level isolation of the sandbox child: bubblewrap namespaces, a pids cgroup and a memory cgroup.

Two well-kept kernel mechanisms, used when the host allows them:

* **bubblewrap** (``bwrap``, Debian package ``bubblewrap``) starts the child in
  new user, mount, PID, network, IPC and UTS namespaces. Its file system is
  built from read-only binds of what Python needs (``/usr``, the interpreter's
  prefix with its site-packages, and only ``grader/__init__.py`` plus
  ``grader/sandbox/`` of this project) and a size-limited tmpfs as working
  directory. The reference answers, rubrics, other students' submissions and
  the output folder are simply not there; the network namespace has no
  interfaces but a down loopback, so nothing can be reached.
* a **pids cgroup** (cgroup v1 ``/sys/fs/cgroup/pids`` or v2) caps the number
  of processes and threads of the child and all its descendants, which
  contains a fork bomb even when the grader runs as root (RLIMIT_NPROC is not
  enforced for root). Tearing the sandbox down kills every process left in
  the cgroup.
* a **memory cgroup** (v1 ``memory.limit_in_bytes`` or v2 ``memory.max``,
  under the grader's own memory cgroup) makes ``memory_mb`` a limit on the
  resident memory the submission allocates (:mod:`grader.cgroups`); without
  one it is a limit on address space (``RLIMIT_AS``).

:func:`detect` probes both once per process; what is missing is reported
once on the command line and in every report, and every other limit still
applies.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["Isolation", "MemoryRoot", "detect", "PidsCgroup", "bwrap_arguments"]

Mode = Literal["auto", "bwrap", "none"]

_PIDS_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


@dataclass(frozen=True)
class Isolation:
    """What the host offers.

    Attributes
    ----------
    bwrap : str or None
        Path of a working ``bwrap`` (None: no namespaces, no file-system or
        network isolation).
    pids_root : Path or None
        A writable pids cgroup hierarchy (None: processes limited by
        RLIMIT_NPROC only, which does not bind root).
    missing : tuple of str
        One sentence per protection that is unavailable, for the notes.
    memory_root : MemoryRoot or None
        Where each sandbox gets a memory cgroup of its own, so that the
        memory limit counts resident memory (None: the limit is address
        space, ``RLIMIT_AS``).
    """

    bwrap: str | None
    pids_root: Path | None
    missing: tuple[str, ...] = field(default=())
    memory_root: MemoryRoot | None = None


@dataclass(frozen=True)
class MemoryRoot:
    """A memory cgroup under which the grader may make one per sandbox.

    Attributes
    ----------
    path : Path
        The grader's own memory cgroup (children nest in its limit).
    version : {1, 2}
        cgroup v1 (``memory.limit_in_bytes``, ``memory.oom_control``) or v2
        (``memory.max``, ``memory.events``).
    """

    path: Path
    version: int

    @property
    def limit_file(self) -> str:
        """Name of the file that holds a cgroup's limit in bytes."""
        return "memory.limit_in_bytes" if self.version == 1 else "memory.max"


def _memory_root() -> MemoryRoot | None:
    """The grader's own memory cgroup, if it may make children there with a limit (probed)."""
    candidates = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        hierarchy, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if "memory" in controllers.split(","):
            candidates.append(MemoryRoot(Path("/sys/fs/cgroup/memory") / path.lstrip("/"), 1))
        elif hierarchy == "0" and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            candidates.append(MemoryRoot(Path("/sys/fs/cgroup") / path.lstrip("/"), 2))
    for root in candidates:
        probe = root.path / f"grader-probe-{os.getpid()}"
        try:
            probe.mkdir()
            try:
                (probe / root.limit_file).write_text(f"{256 << 20}\n")
                return root
            finally:
                probe.rmdir()
        except OSError:
            continue
    return None


def _bwrap_works(path: str) -> bool:
    try:
        result = subprocess.run(
            [path, "--ro-bind", "/", "/", "--unshare-all", "--unshare-user", "--die-with-parent", "--proc", "/proc",
             "--dev", "/dev", "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _pids_root() -> Path | None:
    for root in _PIDS_ROOTS:
        if not (root / "cgroup.procs").exists():
            continue
        if root == Path("/sys/fs/cgroup") and not (root / "cgroup.controllers").exists():
            continue  # the cgroup v1 tmpfs, not a v2 hierarchy
        probe = root / f"grader-probe-{os.getpid()}"
        try:
            probe.mkdir()
            (probe / "pids.max").write_text("8\n")
            probe.rmdir()
            return root
        except OSError:
            try:
                probe.rmdir()
            except OSError:
                pass
    return None


@functools.lru_cache(maxsize=4)
def detect(mode: Mode = "auto") -> Isolation:
    """Probe bubblewrap and the pids cgroup (cached per mode).

    Parameters
    ----------
    mode : {"auto", "bwrap", "none"}
        ``auto`` uses what works; ``bwrap`` requires bubblewrap; ``none``
        uses neither (resource limits only).

    Returns
    -------
    Isolation

    Raises
    ------
    RuntimeError
        If ``mode == "bwrap"`` and bubblewrap is missing or unusable.
    """
    if mode == "none":
        return Isolation(None, None, ("network and file-system isolation disabled (--isolation none)",
                                      "process-count cgroup disabled (--isolation none)"))
    missing = []
    path = shutil.which("bwrap")
    bwrap = path if path and _bwrap_works(path) else None
    if bwrap is None:
        if mode == "bwrap":
            raise RuntimeError("bubblewrap is required (--isolation bwrap) but bwrap is "
                               + ("not installed" if not path else "not usable here (no user namespaces?)"))
        missing.append("no network or file-system isolation: bubblewrap is "
                       + ("not installed (apt-get install bubblewrap)" if not path
                          else "installed but cannot create namespaces on this host"))
    pids_root = _pids_root()
    memory_root = _memory_root()
    for root in (pids_root, memory_root.path if memory_root else None):
        if root is not None:
            remove_stale_cgroups(root)
    if pids_root is None:
        missing.append("no process-count cgroup (needs a writable pids cgroup): a fork bomb is limited "
                       "only by RLIMIT_NPROC, which does not bind root")
    return Isolation(bwrap, pids_root, tuple(missing), memory_root)


def remove_stale_cgroups(root: Path) -> int:
    """Remove cgroups left by graders that died (``kill -9``), killing what is inside.

    Returns
    -------
    int
        How many were removed.
    """
    removed = 0
    for path in root.glob("grader-*-*"):
        try:
            owner = int(path.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if owner == os.getpid() or os.path.exists(f"/proc/{owner}"):
            continue
        stale = PidsCgroup.__new__(PidsCgroup)
        stale.path = path
        stale.remove()
        removed += 1
    return removed


class PidsCgroup:
    """A pids cgroup for one sandbox: create, let a process join, kill all, remove.

    Parameters
    ----------
    root : Path
        The pids hierarchy (from :func:`detect`).
    pids_max : int
        Largest number of processes and threads inside.
    """

    def __init__(self, root: Path, pids_max: int) -> None:
        self.path = root / f"grader-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.path.mkdir()
        (self.path / "pids.max").write_text(f"{int(pids_max)}\n")

    @property
    def procs(self) -> Path:
        """The ``cgroup.procs`` file a process writes its pid to, to join."""
        return self.path / "cgroup.procs"

    def join(self, pid: int) -> None:
        """Move process ``pid`` (and the children it forks from now on) into the cgroup.

        Parameters
        ----------
        pid : int
            A pid as the grader sees it.
        """
        self.procs.write_text(f"{int(pid)}\n")

    def kill_all(self) -> None:
        """SIGKILL every process still in the cgroup (repeated until empty, at most about 1 s)."""
        import time

        pause = 0.0005
        for _ in range(50):
            try:
                pids = [int(p) for p in self.procs.read_text().split()]
            except OSError:
                return
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(pause)  # killed processes leave the cgroup within microseconds to milliseconds
            pause = min(2 * pause, 0.02)

    def remove(self) -> None:
        """Kill what is left and delete the cgroup (errors ignored)."""
        self.kill_all()
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                import time

                time.sleep(0.02)


def _system_binds() -> list[str]:
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    return args


def _python_binds() -> list[str]:
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                              sys.base_exec_prefix)}
    args: list[str] = []
    for prefix in sorted(prefixes):
        args += ["--ro-bind", prefix, prefix]
    exe = os.path.realpath(sys.executable)
    if not any(exe.startswith(p + os.sep) for p in prefixes):
        args += ["--ro-bind", exe, exe]
    return args, sorted(prefixes)  # type: ignore[return-value]


def _zygote_arguments() -> list[str]:
    return ["--cap-add", "CAP_SYS_RESOURCE"] if os.geteuid() == 0 else []


def bwrap_arguments(bwrap: str, scratch_bytes: int, *, zygote: bool = False) -> list[str]:
    """The ``bwrap ...`` prefix that runs a command in the sandbox's namespaces.

    Parameters
    ----------
    bwrap : str
        Path of the bwrap executable.
    scratch_bytes : int
        Size of the tmpfs working directory ``/scratch`` (and of ``/tmp``).
    zygote : bool
        For the fork server (:mod:`grader.sandbox.zygote`): without
        ``--disable-userns``, whose extra user namespace would lock the
        mounts and forbid each forked child its own ``/proc``; the zygote
        forbids new user namespaces itself (``max_user_namespaces`` 0, which
        takes ``CAP_SYS_RESOURCE``, kept only when the grader runs as root).

    Returns
    -------
    list of str
        Arguments up to, not including, the command to run inside.
    """
    import grader

    args = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
            *(_zygote_arguments() if zygote else ["--disable-userns"]), "--proc", "/proc", "--dev", "/dev",
            # the private tmpfs first: binds below may live under /tmp (a venv, a checkout)
            "--size", str(scratch_bytes), "--tmpfs", "/tmp",
            "--size", str(scratch_bytes), "--tmpfs", "/scratch"]
    args += _system_binds()
    python_args, prefixes = _python_binds()
    args += python_args
    package = Path(grader.__file__).resolve().parent
    inside_prefix = any(str(package).startswith(p + os.sep) for p in prefixes)
    if not inside_prefix:  # an editable install: show only what the child needs
        args += ["--ro-bind", str(package / "__init__.py"), str(package / "__init__.py"),
                 "--ro-bind", str(package / "sandbox"), str(package / "sandbox")]
    else:  # installed into site-packages: hide the answers that sit beside the grader
        reference = package.parent / "reference"
        if reference.is_dir():
            args += ["--tmpfs", str(reference)]
    args += ["--chdir", "/scratch"]
    return args
