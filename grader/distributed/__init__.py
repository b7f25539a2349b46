"""Grading past one machine: Dask tasks, and disjoint shards of a class (issue 12).

Grading is a pure function of (submission, rubric), and its documents are
content-addressed and written atomically, so the class maps onto an existing
distributed engine instead of a scheduler of our own:

- :mod:`grader.distributed.task`: what one Dask task carries (the
  submission's bytes, the rubric's name and hash, the grader version, the
  limits) and :func:`~grader.distributed.task.grade_task`, which a worker
  runs: :func:`grader.grading.grade_submission` in the worker's own sandbox.
- :mod:`grader.distributed.dask_executor`: the client side of ``grade run
  --scheduler``: connect, submit with bounded retries, turn an
  infrastructure failure into a recorded grader error.
- :mod:`grader.distributed.shard`: ``grade run --shard I/N``, a stable split
  by student id for job arrays (no Dask needed).
- :mod:`grader.distributed.compare`: result documents without what depends
  on the clock, to compare runs.

Nothing here imports Dask at module level: it is an optional extra
(``pip install -e ".[dask]"``), loaded only by ``--scheduler``.
"""
