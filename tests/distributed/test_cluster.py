"""grade run --scheduler on a real Dask cluster (two workers on 127.0.0.1): the documents of a local run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.distributed.compare import documents

from .conftest import ROOT, STUDENTS, dask_cluster, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One scheduler and two workers for the module; the kill test (last) takes one of them down."""
    with dask_cluster(tmp_path_factory.mktemp("cluster-logs")) as running:
        yield running


def test_scheduler_run_writes_the_documents_of_a_local_run(small_class, local_documents, cluster, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(small_class), "--out", str(out), "--scheduler",
                                      cluster.address, "-q"])
    assert result.exit_code == 0, result.output
    assert f"Graded {len(STUDENTS) + 1} submission(s)" in result.output
    assert documents(out) == local_documents
    segfault = json.loads((out / "results" / "hw2" / "zz_segfault.json").read_text())
    assert {i["function"]: i["status"] for i in segfault["items"]}["mha2"] == "error"  # a verdict, not a retry
    assert (out / "reports" / "hw2" / "index.html").is_file() and (out / "gradebook.csv").is_file()
    again = CliRunner().invoke(cli, ["run", str(small_class), "--out", str(out), "--scheduler",
                                     cluster.address, "-q"])
    assert again.exit_code == 0, again.output
    assert f"Graded 0 submission(s), kept {len(STUDENTS) + 1}" in again.output


def test_dask_workers_fork_sandboxes_from_their_fork_server(small_class, local_documents, cluster, tmp_path):
    """--limit fork_server=1 works in a Dask worker (one zygote per worker thread), same document.

    One correct submission: a crash is worded differently by the fork server (the signal) than
    by a spawned bubblewrap child (exit status 128 + signal), locally as on a cluster.
    """
    one = tmp_path / "class" / "hw2"
    one.mkdir(parents=True)
    (one / "ada_lovelace.py").write_bytes((small_class / "hw2" / "ada_lovelace.py").read_bytes())
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(one.parent), "--out", str(out), "--scheduler", cluster.address,
                                      "--limit", "fork_server=1", "-q"])
    assert result.exit_code == 0, result.output
    doc = documents(out)["results/hw2/ada_lovelace.json"]
    assert not any("fork server" in note for note in doc["notes"])
    assert doc == local_documents["results/hw2/ada_lovelace.json"]


def test_an_unreachable_scheduler_is_one_line_and_exit_1_before_anything_is_written(small_class, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(small_class), "--out", str(out), "--scheduler",
                                      f"tcp://127.0.0.1:{free_port()}", "-q"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grade: error: cannot reach the Dask scheduler at tcp://127.0.0.1:")
    assert not out.exists()


def test_a_malformed_scheduler_address_is_a_usage_error(small_class, tmp_path):
    result = CliRunner().invoke(cli, ["run", str(small_class), "--out", str(tmp_path / "o"), "--scheduler",
                                      "nonsense::x", "-q"])
    assert result.exit_code == 2 and "expected e.g. tcp://HOST:8786" in result.output


def test_scheduler_without_the_dask_extra_says_how_to_install_it(small_class, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    result = CliRunner().invoke(cli, ["run", str(small_class), "--out", str(tmp_path / "o"), "--scheduler",
                                      "tcp://127.0.0.1:8786", "-q"])
    assert result.exit_code == 2
    assert 'pip install -e ".[dask]"' in result.output
    assert not (tmp_path / "o").exists()


def test_shards_together_write_exactly_the_full_run(small_class, local_documents, tmp_path):
    out = tmp_path / "out"
    graded: list[str] = []
    for shard in ("1/2", "2/2"):
        result = CliRunner().invoke(cli, ["run", str(small_class), "--out", str(out), "--shard", shard,
                                          "--workers", "2", "-q"])
        assert result.exit_code == 0, result.output
        assert f"Shard {shard}: results only" in result.output
        graded.append(result.output)
    assert not (out / "gradebook.csv").exists()  # class-wide outputs wait for every shard
    assert documents(out) == local_documents
    exported = tmp_path / "long.csv"
    result = CliRunner().invoke(cli, ["export", "--format", "long", "--results", str(out), "--out", str(exported)])
    assert result.exit_code == 0, result.output
    assert len(exported.read_text().strip().splitlines()) == 1 + len(STUDENTS) + 1
    result = CliRunner().invoke(cli, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "reports" / "hw2" / "index.html").is_file() and (out / "gradebook.csv").is_file()


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/b", "1", "-1/2"])
def test_a_bad_shard_is_a_usage_error(small_class, tmp_path, text):
    result = CliRunner().invoke(cli, ["run", str(small_class), "--out", str(tmp_path / "o"), "--shard", text])
    assert result.exit_code == 2 and "--shard" in result.output
    assert not (tmp_path / "o").exists()


def test_results_of_the_local_reference_are_of_the_whole_class(local_documents):
    assert sorted(Path(k).stem for k in local_documents) == sorted(
        [Path(s).stem for s in STUDENTS] + ["zz_segfault"])


def _processing_worker(address: str) -> str | None:
    """Name of a worker that holds a task now (None if none does)."""
    from distributed import Client

    with Client(address, timeout=10, set_as_default=False) as client:
        names = {addr: info["name"] for addr, info in client.scheduler_info()["workers"].items()}
        busy = [names[addr] for addr, keys in client.processing().items() if keys and addr in names]
    return sorted(busy)[-1] if busy else None


def test_a_worker_killed_mid_run_costs_only_its_tasks(small_class, local_documents, cluster, tmp_path):
    """Last in the module: it kills a worker of the shared cluster."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader.cli", "run", str(small_class), "--out", str(out),
           "--scheduler", cluster.address, "-q"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not list((out / "results" / "hw2").glob("*.json")):
            time.sleep(0.1)
        victim = _processing_worker(cluster.address)
        assert victim is not None, "no worker held a task after the first document landed"
        cluster.kill(victim)
        output, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output.decode()
    assert documents(out) == local_documents


def test_shards_with_a_roster_settle_only_their_own_students(tmp_path):
    """Missing documents: each shard writes its own students', never deletes or flags another shard's."""
    from grader.distributed.shard import shard_of

    folder = tmp_path / "class" / "hw2"
    folder.mkdir(parents=True)
    broken = (ROOT / "submissions" / "hw2" / "john_nash.py").read_text()  # a syntax error: one quick sandbox
    for student in ("ada_lovelace", "alan_turing", "stranger"):
        (folder / f"{student}.py").write_text(broken)
    enrolled = ["ada_lovelace", "alan_turing", "carl_gauss", "emmy_noether", "sophie_germain"]
    assert {shard_of(s, 2) for s in ("carl_gauss", "emmy_noether", "sophie_germain")} == {1, 2}
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name\n" + "".join(f"{s},{s}\n" for s in enrolled))
    full, sharded = tmp_path / "full", tmp_path / "sharded"
    args = ["run", str(tmp_path / "class"), "--roster", str(roster), "--workers", "2", "-q"]
    assert CliRunner().invoke(cli, [*args, "--out", str(full)]).exit_code == 0
    outputs = [CliRunner().invoke(cli, [*args, "--out", str(sharded), "--shard", s]) for s in ("1/2", "2/2", "1/2")]
    assert [r.exit_code for r in outputs] == [0, 0, 0], [r.output for r in outputs]
    assert documents(sharded) == documents(full)
    assert sum("stranger" in r.output for r in outputs[:2]) == 1  # flagged by its own shard only
