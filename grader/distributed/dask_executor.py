"""The client side of ``grade run --scheduler ADDRESS``: grading as tasks of a Dask cluster.

:func:`connect` reaches an existing Dask scheduler (or fails in one line,
before anything is graded) and returns a :class:`DaskDispatch`, which
:func:`grader.pipeline.grade_all` uses instead of its local thread pool:
each submission is one task (:func:`grader.distributed.task.grade_task`),
submitted through ``Client.get_executor`` (a ``concurrent.futures``
executor) with ``pure=False`` and bounded ``retries``. The client keeps the
rest: the lock on ``--out``, the up-to-date check, the atomic write of each
document as it completes, resume after a kill, the progress bar, reports
and gradebook.

Faults:

- A submission that kills or hangs its sandbox is a verdict inside
  :func:`~grader.grading.grade_submission`, never a task failure.
- A worker that dies mid-task: the scheduler runs its tasks again on
  another worker (up to ``distributed.scheduler.allowed-failures`` times,
  default 3); the document is written once, by the client, when the task
  finally completes.
- A task that still fails (``KilledWorker`` after the allowed failures, or
  an exception ``retries`` times over) is recorded as a grader error for
  that student (:func:`grader.distributed.task.failed_document`), which the
  next run regrades.
- A worker that refuses a task (another grader version or rubric hash,
  :class:`~grader.distributed.task.WorkerMismatch`), or whose sandbox cannot
  start: the run stops with that message (exit status 1); the documents
  already written stay, and a later run resumes after them.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from grader.discover import Submission
from grader.dispatch import Dispatch
from grader.errors import GraderError, UsageError
from grader.limits import Limits
from grader.rubric import Rubric

__all__ = ["DaskDispatch", "connect", "RETRIES", "INSTALL_HINT"]

#: Automatic retries of a task that raised (Dask's ``retries``); a dead worker is counted apart.
RETRIES = 2

#: What ``--scheduler`` tells a machine without the optional extra.
INSTALL_HINT = '--scheduler needs Dask: pip install -e ".[dask]" (or pip install "dask[distributed]")'


class DaskDispatch(Dispatch):
    """Submissions graded as tasks of a Dask cluster (see the module's notes on faults).

    Parameters
    ----------
    client : distributed.Client
        Connected to the scheduler; closed by :meth:`close`.
    retries : int
        Automatic retries of a task that raised.
    """

    def __init__(self, client: Any, retries: int = RETRIES) -> None:
        self.client = client
        self.executor = client.get_executor(pure=False, retries=retries)
        self.futures: list[Future[dict[str, Any]]] = []
        self.closed = False

    def submit(self, sub: Submission, rubric: Rubric, limits: Limits) -> Future[dict[str, Any]]:
        """One task carrying the submission's bytes (see :meth:`grader.dispatch.Dispatch.submit`).

        Raises
        ------
        OSError
            If the submission file cannot be read.
        """
        from grader.distributed.task import grade_task, make_task

        future: Future[dict[str, Any]] = self.executor.submit(grade_task, make_task(sub, rubric, limits))
        self.futures.append(future)
        return future

    def result(self, future: Future[dict[str, Any]], sub: Submission, rubric: Rubric) -> dict[str, Any]:
        """The task's document, or a recorded grader error if it failed on every try.

        Raises
        ------
        GraderError
            If a worker refused the task (grader version, rubric hash) or cannot
            start sandboxes: the message names the worker.
        """
        from grader.distributed.task import failed_document

        try:
            return future.result()
        except GraderError:  # WorkerMismatch, a worker whose sandbox cannot start: fix the cluster
            raise
        except Exception as exc:  # noqa: BLE001 - KilledWorker, a bug: this student only
            return failed_document(sub, rubric, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        """Cancel the tasks not done (a stopped run), then disconnect from the scheduler (once)."""
        if self.closed:
            return
        self.closed = True
        pending = [f for f in self.futures if not f.done()]
        for future in pending:
            future.cancel()
        self.executor.shutdown(wait=False)
        self.client.close()


def connect(address: str, timeout: float = 10.0, workers_timeout: float = 60.0,
            retries: int = RETRIES) -> DaskDispatch:
    """Connect to a running Dask scheduler and wait for a worker.

    Parameters
    ----------
    address : str
        The scheduler, e.g. ``tcp://10.0.0.5:8786``.
    timeout : float
        Seconds to reach the scheduler.
    workers_timeout : float
        Seconds to wait for at least one worker to join.
    retries : int
        Automatic retries of a task that raised.

    Returns
    -------
    DaskDispatch

    Raises
    ------
    UsageError
        If Dask is not installed (the message says how to install it), or the
        address is malformed.
    GraderError
        If the scheduler cannot be reached, or no worker joins in time (one line, exit status 1).
    """
    try:
        from distributed import Client
        from distributed.comm.addressing import get_address_host_port
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    try:
        get_address_host_port(address)
    except ValueError as exc:
        raise UsageError(f"--scheduler {address!r}: {exc} (expected e.g. tcp://HOST:8786)") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise GraderError(f"cannot reach the Dask scheduler at {address}: {exc}; nothing was graded") from None
    try:
        client.wait_for_workers(1, timeout=workers_timeout)
    except (OSError, TimeoutError):
        client.close()  # type: ignore[no-untyped-call]
        raise GraderError(f"the Dask scheduler at {address} has no worker (waited {workers_timeout:g} s); "
                          "nothing was graded") from None
    return DaskDispatch(client, retries)
