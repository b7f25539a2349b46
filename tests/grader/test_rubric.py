from __future__ import annotations

import pytest
import yaml

from grader.errors import RubricError
from grader.rubric import default_rubrics_dir, load_rubric


def _write(tmp_path, data, name="hw2"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _base():
    return yaml.safe_load((default_rubrics_dir() / "hw2.yaml").read_text())


def test_bundled_rubrics_are_valid():
    rubric = load_rubric(default_rubrics_dir() / "hw2.yaml")
    assert rubric.max_score == 100
    assert len(rubric.sha256) == 64


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(colour="red"), "colour"),
    (lambda d: d["functions"][0].update(points=11), "add up to 10 points, not 11"),
    (lambda d: d["functions"][0]["checks"][0].update(kind="eyeball"), "unknown check kind 'eyeball'"),
    (lambda d: d["functions"][0]["checks"][0].update(case="nope"), "unknown case 'nope'"),
    (lambda d: d["functions"][0].update(name="not_in_reference"), "has no reference"),
    (lambda d: d["functions"][0]["checks"][0].update(visibility="secret"), "visibility"),
])
def test_invalid_rubrics_name_file_and_key(tmp_path, mutate, message):
    data = _base()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_assignment_must_match_file_name(tmp_path):
    with pytest.raises(RubricError, match="does not match"):
        load_rubric(_write(tmp_path, _base(), name="hw9"))
