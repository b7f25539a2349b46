"""Sandbox processes started ahead of need, so that their ``import torch`` overlaps the grader's.

``grade check`` grades one file: its sandbox child (a fresh ``python -I``
that imports torch) and the grader (which imports torch for the
references) would pay start-up one after the other.
:func:`grader.execute.prestart` spawns the child first, before the grader's
heavy imports, and parks it here; the next :class:`grader.execute.Sandbox`
with the same limits adopts it in :meth:`~grader.execute.Sandbox.load`
(:func:`take`) instead of spawning. A parked child has run nothing of any
submission: it is exactly what ``load`` would start. This module only keeps
them (it imports nothing of the sandbox).
"""

from __future__ import annotations

import atexit
import threading
from typing import Any, Protocol

from grader.limits import Limits

__all__ = ["park", "take"]


class _Closable(Protocol):
    def close(self) -> None: ...


_PARKED: dict[Limits, Any] = {}
_LOCK = threading.Lock()


def park(limits: Limits, sandbox: _Closable) -> None:
    """Keep a started sandbox for the next one made with ``limits`` (an older one is closed).

    Parameters
    ----------
    limits : Limits
        The limits it was started with.
    sandbox : Sandbox
        Started, nothing loaded (:func:`grader.execute.prestart`).
    """
    with _LOCK:
        old = _PARKED.pop(limits, None)
        _PARKED[limits] = sandbox
    if old is not None:
        old.close()


def take(limits: Limits) -> Any:
    """The parked sandbox for these limits, or None (it then belongs to the caller)."""
    with _LOCK:
        return _PARKED.pop(limits, None)


@atexit.register
def _close_parked() -> None:
    with _LOCK:
        parked = list(_PARKED.values())
        _PARKED.clear()
    for sandbox in parked:
        sandbox.close()
