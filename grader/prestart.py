"""Sandbox processes started ahead of need, so that their ``import torch`` overlaps the grader's.

``grade check`` grades one file: its sandbox child (a fresh ``python -I``
that imports torch) and the grader (which imports torch for the
references) would pay start-up one after the other. :func:`prestart`
spawns the child first, before the grader's heavy imports; the next
:class:`grader.execute.Sandbox` with the same limits adopts it in
:meth:`~grader.execute.Sandbox.load` instead of spawning. A parked child has
run nothing of any submission: it is exactly what ``load`` would start.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING

from grader.limits import Limits

if TYPE_CHECKING:
    from grader.execute import Sandbox

__all__ = ["prestart", "take"]

_PARKED: dict[Limits, Sandbox] = {}
_LOCK = threading.Lock()


def prestart(limits: Limits) -> None:
    """Spawn one sandbox process for these limits now (a fresh process: ``fork_server`` is ignored).

    Parameters
    ----------
    limits : Limits
        The limits of the :class:`~grader.execute.Sandbox` that will adopt it.

    Notes
    -----
    Errors are not raised here: if the process cannot start, the adopting
    sandbox reports it exactly as a failed start of its own.
    """
    from grader.execute import Sandbox

    sandbox = Sandbox({}, limits)
    sandbox.forking = False
    try:
        sandbox._spawn()  # noqa: SLF001 - this module is the sandbox's own helper
    except OSError:
        sandbox.close()
        return
    with _LOCK:
        old = _PARKED.pop(limits, None)
        _PARKED[limits] = sandbox
    if old is not None:
        old.close()


def take(limits: Limits) -> Sandbox | None:
    """The parked sandbox for these limits, if any (it then belongs to the caller)."""
    with _LOCK:
        return _PARKED.pop(limits, None)


@atexit.register
def _close_parked() -> None:
    with _LOCK:
        parked = list(_PARKED.values())
        _PARKED.clear()
    for sandbox in parked:
        sandbox.close()
