"""Sandboxes started before grading needs them: ``grade check``'s early child, and the preflight of a run.

* :func:`prestart`: ``grade check`` grades one file, so its one sandbox
  child (a fresh ``python -I`` that imports torch) would otherwise start
  only after the grader's own heavy imports; started first and parked
  (:mod:`grader.parked`), it imports torch while the grader does.
* :func:`preflight`: a trivial submission in a sandbox under the class's
  limits before a run, so that a broken installation stops the run with
  one clear message instead of grading every student to zero;
  :func:`preflight_overlapped` runs it beside the grader's own imports.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from grader.errors import GraderError
from grader.execute import Sandbox
from grader.limits import Limits
from grader.parked import park

__all__ = ["preflight", "preflight_overlapped", "prestart"]


def prestart(limits: Limits) -> None:
    """Spawn a sandbox process now, parked (:mod:`grader.parked`) for the next Sandbox with ``limits``.

    A fresh process whatever ``fork_server`` says; one that cannot start is
    a failed start of the adopter's (nothing is raised here).

    Parameters
    ----------
    limits : Limits
        The limits of the sandbox that will adopt it.
    """
    sandbox = Sandbox({}, limits)
    sandbox.forking = False
    try:
        sandbox._spawn()
        park(limits, sandbox)
    except OSError:
        sandbox.close()


def preflight(limits: Limits) -> None:
    """Start one sandbox under the class's ``limits`` on a trivial submission: fail loudly if it cannot start.

    Without it a broken installation (an interpreter the sandbox cannot see,
    a missing package) would grade every student to zero, one error at a time.

    Parameters
    ----------
    limits : Limits
        The class's sandbox limits.

    Raises
    ------
    GraderError
        With the child's own error message.
    """
    request = {"filename": "<preflight>", "units": [{"source": "x = 1\n", "first_line": 1, "label": "module"}],
               "functions": []}
    with Sandbox(request, limits) as sandbox:
        reply = sandbox.load()
    if reply.fatal:
        raise GraderError(f"the sandbox cannot start on this machine, so nothing was graded: {reply.fatal}")


def preflight_overlapped(limits: Limits, check_rubrics: Callable[[], None]) -> None:
    """The sandbox preflight in a thread while this one imports torch: the rubrics' references, the checks.

    The preflight's sandbox (with the fork server: the zygote the workers
    then fork from) imports torch in its own process while
    ``check_rubrics`` (:func:`grader.rubric.check_registries` of the run's
    rubrics) imports it here: one start-up per run saved on two cores or more.

    Parameters
    ----------
    limits : Limits
        The class's sandbox limits.
    check_rubrics : callable
        Run here while the preflight runs.

    Raises
    ------
    RubricError
        From ``check_rubrics`` (before any sandbox error).
    GraderError
        As :func:`grader.prestart.preflight`, when sandboxes cannot start.
    """
    failures: list[BaseException] = []

    def check() -> None:
        try:
            preflight(limits)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            failures.append(exc)

    thread = threading.Thread(target=check, name="grader-preflight")
    thread.start()
    try:
        check_rubrics()
        import grader.grading  # noqa: F401
    finally:
        thread.join()
    if failures:
        raise failures[0]
