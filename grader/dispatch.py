"""Where :func:`grader.pipeline.grade_all` runs :func:`~grader.grading.grade_submission`.

A :class:`Dispatch` grades submissions somewhere and hands back
``concurrent.futures`` futures of their documents; the caller (the client)
keeps everything else: the up-to-date check, instructor scores and
overrides, the atomic write of each document as it completes, the progress
bar. :class:`LocalDispatch` is a thread pool on this machine, one sandbox
per thread (today's ``grade run``);
:class:`grader.distributed.dask_executor.DaskDispatch` is a Dask cluster
(``grade run --scheduler``).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

from grader.closer import drain
from grader.discover import Submission
from grader.limits import Limits
from grader.rubric import Rubric

__all__ = ["Dispatch", "LocalDispatch"]


class Dispatch:
    """Grades submissions and returns futures of their documents; a context manager that closes itself."""

    def submit(self, sub: Submission, rubric: Rubric, limits: Limits) -> Future[dict[str, Any]]:
        """Start grading one submission.

        Parameters
        ----------
        sub : Submission
            What to grade.
        rubric : Rubric
            Its rubric.
        limits : Limits
            Sandbox limits.

        Returns
        -------
        concurrent.futures.Future
            Of the result document (not yet written anywhere).
        """
        raise NotImplementedError

    def result(self, future: Future[dict[str, Any]], sub: Submission, rubric: Rubric) -> dict[str, Any]:
        """The document of a completed future (what to record when grading failed is the dispatch's call).

        Parameters
        ----------
        future : concurrent.futures.Future
            Returned by :meth:`submit`, done.
        sub : Submission
            Its submission.
        rubric : Rubric
            Its rubric.

        Returns
        -------
        dict
            The result document.

        Raises
        ------
        GraderError
            If the run must stop (see the subclasses).
        """
        return future.result()

    def close(self) -> None:
        """Stop: wait for or cancel what is still running, release the workers."""

    def __enter__(self) -> Dispatch:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class LocalDispatch(Dispatch):
    """A pool of threads on this machine, each grading one submission at a time in its own sandbox.

    Parameters
    ----------
    workers : int
        Threads (submissions graded at once); at least 1 is used.
    """

    def __init__(self, workers: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers))

    def submit(self, sub: Submission, rubric: Rubric, limits: Limits) -> Future[dict[str, Any]]:
        """Grade ``sub`` in the next free thread (see :meth:`Dispatch.submit`)."""
        from grader.grading import grade_submission  # torch and the checks: only once there is work

        return self.pool.submit(grade_submission, sub, rubric, limits)

    def close(self) -> None:
        """Wait for the running submissions, stop the threads, and wait for their sandboxes' clean-up."""
        self.pool.shutdown(wait=True)
        drain()
