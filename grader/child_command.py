"""The command line and environment that start a sandbox process of this checkout.

Every sandbox process is ``python -I`` running :func:`grader.sandbox.boot.main`
imported from exactly this checkout's ``grader`` folder, whatever else is
installed (another checkout, an editable install), inside bubblewrap
(:func:`grader.isolation.bwrap_arguments`) where the host has it. Two kinds:
the fork server's zygote (:func:`zygote_of`) and a child of its own,
one fresh interpreter per submission (:func:`spawn_command`).
"""

from __future__ import annotations

import os
import sys
import tempfile

from grader.isolation import Isolation, bwrap_arguments
from grader.limits import Limits
from grader.sandbox.forkserver import Zygote, zygote_for

__all__ = ["BOOT", "PACKAGE_ROOT", "child_env", "spawn_command", "zygote_of"]

#: The folder holding this ``grader`` package: the child imports its sandbox code from here.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The ``-c`` program of every sandbox process (its first argument: :data:`PACKAGE_ROOT`).
BOOT = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
        "from grader.sandbox.boot import main; main()")


def child_env(scratch: str) -> dict[str, str]:
    """The whole environment of a sandbox process (nothing of the grader's but ``PATH``).

    Parameters
    ----------
    scratch : str
        Its home and ``TMPDIR``: ``/scratch`` inside bubblewrap, else a host folder.

    Returns
    -------
    dict of str to str
        One OpenMP/MKL thread, ``PYTHONHASHSEED`` 0, no bytecode written.
    """
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": scratch, "TMPDIR": scratch,
            "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def zygote_of(limits: Limits, isolation: Isolation) -> Zygote | None:
    """The fork server of this process (:mod:`grader.sandbox.zygote`), started on first use.

    Parameters
    ----------
    limits : Limits
        Its start-up timeout is the zygote's.
    isolation : Isolation
        What the host offers (:func:`grader.isolation.detect`): inside
        bubblewrap (mode ``ns``) or not (``plain``).

    Returns
    -------
    Zygote or None
        None where forking cannot be protected
        (:func:`grader.sandbox.forkserver.zygote_for`, which says why once).
    """
    cmd = [sys.executable, "-I", "-c", BOOT, PACKAGE_ROOT, "zygote"]
    if isolation.bwrap:
        cmd, env = bwrap_arguments(isolation.bwrap, 16 << 20, zygote=True) + cmd, child_env("/scratch")
    else:
        env = child_env(tempfile.gettempdir())
    return zygote_for(cmd, env, plain=isolation.bwrap is None, timeout=limits.startup_timeout)


def spawn_command(isolation: Isolation, scratch_bytes: int, fds: tuple[int, int], limits_json: str,
                  scratch: str | None) -> tuple[list[str], dict[str, str]]:
    """The command and environment of a sandbox child of its own (no fork server).

    Parameters
    ----------
    isolation : Isolation
        What the host offers.
    scratch_bytes : int
        Size of bubblewrap's tmpfs ``/scratch`` and ``/tmp``, bytes.
    fds : tuple of int
        The child's ends of the request and reply pipes (passed to it).
    limits_json : str
        Its limits (:func:`grader.cgroups.child_limits`).
    scratch : str or None
        Its host working folder; None inside bubblewrap, which has its own.

    Returns
    -------
    tuple
        ``(argv, env)``, before any cgroup prefix.

    Raises
    ------
    ValueError
        Without bubblewrap and without a host ``scratch``.
    """
    cmd = [sys.executable, "-I", "-c", BOOT, PACKAGE_ROOT, str(fds[0]), str(fds[1]), limits_json]
    if isolation.bwrap:
        return bwrap_arguments(isolation.bwrap, scratch_bytes) + cmd, child_env("/scratch")
    if scratch is None:
        raise ValueError("a sandbox child without bubblewrap needs a host scratch folder")
    return cmd, child_env(scratch)
