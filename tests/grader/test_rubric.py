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


def _hw1():
    return yaml.safe_load((default_rubrics_dir() / "hw1.yaml").read_text())


def _check_of_kind(data, kind):
    return next(c for f in data["functions"] for c in f["checks"] if c["kind"] == kind)


@pytest.mark.parametrize("kind, change, message", [
    # unknown key in params: each kind declares its params, so a typo fails at load, not at grading
    ("elementwise", {"params": {"rtoll": 1e-6}}, "params.rtoll: Extra inputs are not permitted"),
    ("fokker_planck_convergence", {"params": {"intervals": [100, 200], "min_ordre": 1.8}}, "params.min_ordre"),
    # a value out of range names the key
    ("fokker_planck_convergence", {"params": {"max_error": -1}}, "params.max_error"),
    ("reverse_sde_marginal", {"params": {"em_bias": 0.5}}, "params.em_bias"),
    # preconditions of a kind on its configs (statistical soundness), refused at load
    ("ffjord_autograd_grad", {"configs": [{"N": 4, "D": 2, "n_steps": 4}]}, "n_steps must be at least 8"),
    ("ffjord_probe_average", {"configs": [{"N": 100, "D": 2, "n_steps": 8}]}, "Rademacher probes"),
    ("reverse_sde_marginal", {"configs": [{"N": 500, "K": 100, "lam": 0.0}]}, "at least 1000 steps"),
])
def test_check_params_and_preconditions_are_validated_at_load(tmp_path, kind, change, message):
    data = _hw1()
    _check_of_kind(data, kind).update(change)
    path = _write(tmp_path, data, name="hw1")
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    text = str(info.value)
    assert str(path) in text and message in text
    assert f"{kind!r}" in text or "/" in text  # names the function / check


def test_params_of_the_bundled_rubrics_reach_the_kinds():
    from grader.judge.kinds import CHECK_KINDS

    rubric = load_rubric(default_rubrics_dir() / "hw1.yaml")
    check = next(c for f in rubric.functions for c in f.checks if c.kind == "fokker_planck_convergence")
    params = CHECK_KINDS[check.kind].params(check)
    assert params.intervals == (100, 200, 400) and params.min_order == 1.8 and params.max_error == 0.02
