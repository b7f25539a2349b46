"""What a Dask task carries and what a worker does with it, without a cluster."""

from __future__ import annotations

import dataclasses
import pickle
from concurrent.futures import Future
from pathlib import Path

import pytest

import grader
from grader.discover import Submission, sha256_file
from grader.distributed.dask_executor import DaskDispatch
from grader.distributed.shard import Shard, parse_shard, shard_of
from grader.distributed.task import GradingTask, WorkerMismatch, failed_document, grade_task, make_task
from grader.errors import GraderError, UsageError
from grader.grading import GRADER_BUG
from grader.limits import Limits
from grader.pipeline import is_up_to_date
from grader.rubric import load_rubrics, with_term

ROOT = Path(__file__).resolve().parents[2]
ADA = ROOT / "submissions" / "hw2" / "ada_lovelace.py"


@pytest.fixture(scope="module")
def hw2():
    return load_rubrics()["hw2"]


def _sub(path: Path = ADA) -> Submission:
    return Submission("hw2", path.stem, path, path, "module", sha256_file(path), f"hw2/{path.name}")


def test_a_used_rubric_pickles_and_still_works(hw2):
    reference = hw2.reference_function("ddpm_posterior")  # caches the imported module
    copy = pickle.loads(pickle.dumps(hw2))
    assert copy == hw2 and copy.sha256 == hw2.sha256
    assert copy.reference_function("ddpm_posterior") is reference


def test_a_task_carries_bytes_and_hashes_not_paths(hw2):
    task = make_task(_sub(), with_term(hw2, "2026"), Limits(call_timeout=3))
    assert task.content == ADA.read_bytes() and task.file_name == "ada_lovelace.py"
    assert task.rubric_sha256 == with_term(hw2, "2026").sha256 and task.term == "2026"
    assert task.grader_version == grader.__version__
    assert not any(isinstance(v, Path) for v in dataclasses.astuple(task))
    assert pickle.loads(pickle.dumps(task)) == task


def test_a_worker_refuses_another_rubric_hash(hw2):
    task = dataclasses.replace(make_task(_sub(), hw2, Limits()), rubric_sha256="0" * 64)
    with pytest.raises(WorkerMismatch, match=r"refused hw2/ada_lovelace: its rubric hw2 has hash .* client's 0{12}"):
        grade_task(task)


def test_a_worker_refuses_another_grader_version(hw2):
    task = dataclasses.replace(make_task(_sub(), hw2, Limits()), grader_version="0.0.1")
    with pytest.raises(WorkerMismatch, match=f"runs grader {grader.__version__}, the client 0.0.1"):
        grade_task(task)


def test_a_worker_refuses_an_unknown_rubric(hw2):
    task = dataclasses.replace(make_task(_sub(), hw2, Limits()), assignment="hw99")
    with pytest.raises(WorkerMismatch, match="has no rubric 'hw99'"):
        grade_task(task)


def test_a_refusal_survives_pickling_as_dask_sends_it():
    exc = pickle.loads(pickle.dumps(WorkerMismatch("worker tcp://x refused hw2/a: ...")))
    assert isinstance(exc, GraderError) and str(exc) == "worker tcp://x refused hw2/a: ..."


@pytest.mark.parametrize("in_worker", [True, False])
def test_a_task_s_folder_is_in_the_dask_worker_s_local_directory(hw2, tmp_path, monkeypatch, in_worker):
    """Dask removes that directory, also after a killed worker; outside a worker the folder goes in TMPDIR."""
    import tempfile
    import types

    import distributed

    from grader.distributed import task as task_module

    local = tmp_path / "dask-scratch-space" / "worker-abc"
    local.mkdir(parents=True)
    if in_worker:
        monkeypatch.setattr(distributed, "get_worker", lambda: types.SimpleNamespace(local_directory=str(local)))
    seen: list[Path] = []

    def graded(sub, rubric, limits):
        assert sub.source.read_bytes() == ADA.read_bytes()
        seen.append(sub.source)
        return {"score": 0.0}

    monkeypatch.setattr(task_module, "grade_submission", graded)
    monkeypatch.setattr(task_module, "_preflight_once", lambda limits: None)
    grade_task(make_task(_sub(), hw2, Limits()))
    folder = seen[0].parent
    assert folder.name.startswith("grader-task-") and not folder.exists()  # removed after grading
    assert folder.parent == (local if in_worker else Path(tempfile.gettempdir()))


def test_an_ungradable_submission_needs_no_sandbox(hw2):
    sub = Submission("hw2", "bob", Path("bob"), None, "package", "", "hw2/bob", "the folder bob/ holds no code")
    doc = grade_task(make_task(sub, hw2, Limits()))
    assert doc["errors"] == ["the folder bob/ holds no code"] and doc["score"] == 0


def _failed_future(exc: BaseException) -> Future:
    future: Future = Future()
    future.set_exception(exc)
    return future


class _Client:
    def get_executor(self, **kwargs):
        assert kwargs == {"pure": False, "retries": 2}
        return None


def test_a_task_that_failed_on_every_try_is_a_recorded_grader_error_regraded_next_time(hw2):
    dispatch = DaskDispatch(_Client())
    sub = _sub()
    doc = dispatch.result(_failed_future(RuntimeError("KilledWorker: attempted 3 times")), sub, hw2)
    assert doc["errors"][0].startswith(GRADER_BUG) and "KilledWorker" in doc["errors"][0]
    assert doc["score"] == 0 and {i["status"] for i in doc["items"]} == {"error"}
    assert not is_up_to_date(doc, sub, hw2)
    assert failed_document(sub, hw2, "x")["submission_path"] == "hw2/ada_lovelace.py"


def test_a_refused_task_stops_the_run_with_the_worker_s_message(hw2):
    dispatch = DaskDispatch(_Client())
    with pytest.raises(WorkerMismatch, match="refused"):
        dispatch.result(_failed_future(WorkerMismatch("worker tcp://w refused hw2/a")), _sub(), hw2)


def test_shards_are_a_stable_partition_by_student_id():
    students = [f"student_{i:04d}" for i in range(1000)]
    for n in (1, 2, 3, 7):
        slices = [Shard(i, n).select([Submission("hw2", s, Path(s), None, "module", "", s) for s in students])
                  for i in range(1, n + 1)]
        assert sorted(sub.student for part in slices for sub in part) == students
        assert all(len(part) > 1000 / n * 0.8 for part in slices)


def test_the_split_is_pinned():  # sha256 of the id alone: the same on every machine, run and assignment
    names = ('ada_lovelace', 'alan_turing', 'carl_gauss', 'emmy_noether', 'john_nash', 'sophie_germain', 'zz_segfault')
    assert [shard_of(s, 4) for s in names] == [1, 2, 2, 2, 4, 1, 1]
    assert [shard_of(s, 2) for s in names] == [1, 2, 2, 2, 2, 1, 1]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "x", "1/2/3", ""])
def test_bad_shards(text):
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)


def test_good_shards():
    assert parse_shard("1/1") == Shard(1, 1) and parse_shard(" 3 / 8 ") == Shard(3, 8) and str(Shard(2, 5)) == "2/5"


def test_grading_task_is_frozen():
    assert dataclasses.fields(GradingTask) and GradingTask.__dataclass_params__.frozen  # type: ignore[attr-defined]
