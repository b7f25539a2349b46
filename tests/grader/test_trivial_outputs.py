"""No point from a trivial output (contract: conventions).

Four adversaries, for every function of every assignment, run in-process on
every check and scored as grading scores a function (public points need a
passed hidden check, :func:`grader.judge.scoring.require_hidden`):

* zeros of exactly the right structure and shapes (stronger than a student
  could do: it asks the reference for the shapes);
* ones of the right structure;
* the first tensor input handed back;
* a hard-coded answer: the reference's output on the *public* inputs of the
  same shapes, whatever it is called with (a student who copied the problem
  set's numbers).

Each must earn 0 points everywhere. A test also checks the degenerate-case
rule itself both ways, and the same two simple adversaries are graded
through the real sandbox once per assignment.
"""

from __future__ import annotations

import pytest
import torch

from grader.judge.checks import CheckContext
from grader.judge.expected import materialise, reference_value
from grader.judge.inprocess import run_check
from grader.judge.kinds import CHECK_KINDS
from grader.judge.scoring import require_hidden
from grader.rubric import load_rubrics

RUBRICS = load_rubrics()
FUNCTIONS = [(a, f.name) for a, r in sorted(RUBRICS.items()) for f in r.functions]


def _map_structure(value, leaf):
    if isinstance(value, torch.Tensor):
        return leaf(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_map_structure(v, leaf) for v in value)
    if isinstance(value, dict):
        return {k: _map_structure(v, leaf) for k, v in value.items()}
    if isinstance(value, (int, float)):
        return type(value)(leaf(torch.tensor(float(value))).item())
    return value


def _shaped(reference, leaf):
    def impl(*args):
        out = reference(*args)
        return _map_structure(out, lambda t: leaf(t.detach()).requires_grad_(t.requires_grad))
    return impl


def _first_input(*args):
    for a in args:
        if isinstance(a, torch.Tensor):
            return a
    return 0.0


def _hard_coded(rubric, fn):
    """Outputs of the public cases, returned for any call whose tensor shapes match one."""
    table = []
    for check in fn.checks:
        if check.visibility != "public":
            continue
        ctx = CheckContext(rubric.assignment, "anyone", fn, check, rubric.reference_function(fn.name), str)
        for planned in CHECK_KINDS[check.kind].plan(ctx):
            args = materialise(planned.args)
            key = tuple(tuple(a.shape) for a in args if isinstance(a, torch.Tensor))
            table.append((key, rubric.reference_function(fn.name)(*args)))

    def impl(*args):
        key = tuple(tuple(a.shape) for a in args if isinstance(a, torch.Tensor))
        for k, out in table:
            if k == key:
                return out
        return table[0][1] if table else 0.0
    return impl


def _function_score(rubric, fn, impl):
    results = [run_check(rubric, fn.name, c.name, impl, student="trivial_student") for c in fn.checks]
    return sum(c.score for c in require_hidden(results)), results


ADVERSARIES = {
    "zeros": lambda rubric, fn: _shaped(rubric.reference_function(fn.name), torch.zeros_like),
    "ones": lambda rubric, fn: _shaped(rubric.reference_function(fn.name), torch.ones_like),
    "first input": lambda rubric, fn: _first_input,
    "hard-coded public answers": _hard_coded,
}


@pytest.mark.parametrize("adversary", sorted(ADVERSARIES))
@pytest.mark.parametrize("assignment, function", FUNCTIONS)
def test_trivial_outputs_earn_nothing(assignment, function, adversary):
    rubric = RUBRICS[assignment]
    fn = next(f for f in rubric.functions if f.name == function)
    impl = ADVERSARIES[adversary](rubric, fn)
    score, results = _function_score(rubric, fn, impl)
    earned = [(c.name, c.score) for c in results if c.score > 0]
    assert score == 0, f"{adversary} earned {score} on {function}: per check before the hidden rule {earned}"


def test_a_degenerate_case_counts_only_with_an_informative_one():
    """ddpm_posterior at t = 1 is (x0, 0): right there alone earns nothing; right everywhere earns all."""
    rubric = RUBRICS["hw2"]
    reference = rubric.reference_function("ddpm_posterior")

    def right_only_at_t1(x_t, x0, betas, t):
        mean, var = reference(x_t, x0, betas, t)
        return (x0.clone(), var * 0) if int(t) == 1 else (mean * 1.5, var)

    public = rubric.functions[0].checks[0]
    assert "t = 1" in public.name
    result = run_check(rubric, "ddpm_posterior", public.name, right_only_at_t1)
    assert result.score == 0
    assert any("trivial output" in m and "x0" in m for m in result.messages)
    full = run_check(rubric, "ddpm_posterior", public.name, reference)
    assert full.score == full.max_score


def test_public_points_need_a_hidden_pass():
    """The rule withdraws public points only when no hidden check scored."""
    from grader.judge.checks import CheckResult

    public = CheckResult("p", "elementwise", "public", "passed", 2.0, 2.0)
    hidden_zero = CheckResult("h", "elementwise", "hidden", "failed", 0.0, 3.0)
    hidden_some = CheckResult("h", "elementwise", "hidden", "partial", 1.5, 3.0)
    assert sum(c.score for c in require_hidden([public, hidden_zero])) == 0
    assert sum(c.score for c in require_hidden([public, hidden_some])) == 3.5
    assert sum(c.score for c in require_hidden([public])) == 2.0  # grade check: public checks only


def test_every_elementwise_check_has_an_informative_case():
    """No check is made only of degenerate cases (its points could then be had trivially)."""
    from grader.judge.trivial import trivial_match

    empty = []
    for assignment, rubric in sorted(RUBRICS.items()):
        for fn in rubric.functions:
            for check in fn.checks:
                if check.kind != "elementwise":
                    continue
                for student in ("public",) if check.visibility == "public" else ("s1", "s2", "s3"):
                    ctx = CheckContext(assignment, student, fn, check, rubric.reference_function(fn.name), str)
                    planned = CHECK_KINDS[check.kind].plan(ctx)
                    if all(trivial_match(reference_value(ctx, p), p.args) for p in planned):
                        empty.append(f"{assignment} {fn.name} / {check.name} ({student})")
    assert not empty, empty


TRIVIAL_MODULE = '''
import torch


def _first(args):
    for a in args:
        if isinstance(a, torch.Tensor):
            return a
    return torch.zeros(())


def _make(name, kind):
    def f(*args):
        first = _first(args)
        return torch.zeros_like(first) if kind == "zeros" else first
    f.__name__ = name
    return f


for _name in {names!r}:
    globals()[_name] = _make(_name, {kind!r})
'''


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["zeros", "first input"])
@pytest.mark.parametrize("assignment", sorted(RUBRICS))
def test_trivial_submissions_score_zero_through_the_sandbox(assignment, kind, tmp_path):
    """A whole submission of trivial functions, graded as students are, scores 0 everywhere."""
    from grader.discover import Submission, sha256_file
    from grader.limits import Limits
    from grader.pipeline import grade_submission

    rubric = RUBRICS[assignment]
    path = tmp_path / "trivial_student.py"
    path.write_text(TRIVIAL_MODULE.format(names=rubric.function_names, kind=kind))
    sub = Submission(assignment, path.stem, path, path, "module", sha256_file(path), path.name)
    doc = grade_submission(sub, rubric, Limits(call_timeout=10.0))
    assert not doc["errors"], doc["errors"]
    earned = {i["function"]: i["score"] for i in doc["items"] if i["score"] > 0}
    assert doc["score"] == 0, earned
