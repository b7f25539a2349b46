"""Shared test helpers: run a rubric check on an in-process implementation.

The grader never runs student code in its own process; tests may, to check
that every check passes the reference and fails realistic wrong variants
without paying a sandbox start-up per case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from grader.calls import CallRecord
from grader.judge.checks import CheckContext
from grader.judge.inprocess import records_for, run_check, total_score  # noqa: F401 - re-exported
from grader.rubric import Rubric, load_rubrics


@pytest.fixture(autouse=True)
def _nothing_parked_between_tests():
    """A sandbox one test parks (grade check's early child, a fork-server spare) is never adopted by another.

    A test that changes how children start (a broken boot line, a killed
    zygote) must see a child started its way, not one left by the test before.
    """
    yield
    from grader import parked

    parked.close_all()


@pytest.fixture(scope="session")
def rubrics() -> dict[str, Rubric]:
    return load_rubrics()


def _records(ctx: CheckContext, kind: Any, impl: Callable[..., Any]) -> list[CallRecord]:
    """Plan ``kind`` for ``ctx`` and call ``impl`` in-process (see grader.judge.inprocess)."""
    return records_for(ctx, kind, impl)


@pytest.fixture(scope="session")
def graded_sample_class(tmp_path_factory):
    """Grade the whole bundled sample class once per test session through the CLI.

    Returns (output folder, click result).
    """
    from click.testing import CliRunner

    from grader.cli import cli

    out = tmp_path_factory.mktemp("sample-class")
    # The default per-call limit (10 s of CPU): paul_dirac's correct NumPy-loop ISM needs
    # 2.2-3 s of CPU for one statistical case, so 3 s timed it out on a loaded machine.
    result = CliRunner().invoke(cli, ["run", "submissions", "--out", str(out), "--workers", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    return out, result


def pinned_items(out, assignment: str, student: str) -> dict[str, tuple[float, str]]:
    """{function: (score, status)} of one student's result document."""
    import json

    doc = json.loads((out / "results" / assignment / f"{student}.json").read_text())
    return {i["function"]: (i["score"], i["status"]) for i in doc["items"]}


@pytest.fixture(scope="module")
def one_torch_thread():
    """Compute like the sandbox child, on one thread (results comparable bit for bit; 1000-step
    samplers are dominated by per-op overhead). Use with ``pytest.mark.usefixtures``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
