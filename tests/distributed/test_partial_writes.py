"""A shard resuming after kill -9 removes only its own students' half-written documents."""

from __future__ import annotations

from grader.distributed.shard import parse_shard, remove_own_partial_writes
from grader.record import remove_partial_writes


def _leftovers(out, students):
    folder = out / "results" / "hw2"
    folder.mkdir(parents=True)
    paths = {s: folder / f".{s}.json.abc123.tmp" for s in students}
    for path in paths.values():
        path.write_text("{")
    return paths


def test_a_shard_removes_only_its_own_partial_writes(tmp_path):
    students = [f"student_{i}" for i in range(20)]
    paths = _leftovers(tmp_path, students)
    shard = parse_shard("1/2")
    removed = remove_own_partial_writes(tmp_path, shard)
    mine = [s for s in students if shard.holds(s)]
    assert 0 < removed == len(mine) < len(students)
    assert all(paths[s].exists() != shard.holds(s) for s in students)


def test_a_whole_run_removes_every_partial_write(tmp_path):
    paths = _leftovers(tmp_path, ["ada", "alan"])
    assert remove_partial_writes(tmp_path) == 2
    assert not any(p.exists() for p in paths.values())
