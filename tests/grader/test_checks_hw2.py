"""Every hw2 check both ways: the reference passes, realistic mistakes fail.

The mistakes are the misconception library (reference/misconceptions/hw2.py).
A check that no misconception fails would be a check that cannot fail.
"""

from __future__ import annotations

from tests.conftest import run_check


def _checks(rubrics, function):
    fn = next(f for f in rubrics["hw2"].functions if f.name == function)
    return [c.name for c in fn.checks]


def test_hidden_inputs_differ_per_student_and_are_reproducible(rubrics):
    from grader.judge.checks import CheckContext
    from grader.judge.kinds import CHECK_KINDS

    rubric = rubrics["hw2"]
    fn = rubric.functions[0]
    hidden = next(c for c in fn.checks if c.visibility == "hidden")
    public = next(c for c in fn.checks if c.visibility == "public")

    def first_input(check, student):
        ctx = CheckContext("hw2", student, fn, check, rubric.reference_function(fn.name), str)
        return CHECK_KINDS[check.kind].plan(ctx)[0].args["x_t"]

    assert not first_input(hidden, "alice").equal(first_input(hidden, "bob"))
    assert first_input(hidden, "alice").equal(first_input(hidden, "alice"))
    assert first_input(public, "alice").equal(first_input(public, "bob"))


def test_hard_coded_public_answers_fail_hidden_checks(rubrics):
    """A submission that memorised the public outputs earns nothing on hidden inputs."""
    import torch

    rubric = rubrics["hw2"]
    ref = rubric.reference_function("reverse_ode_drift")
    memo = {}
    from grader.judge.checks import CheckContext
    from grader.judge.kinds import CHECK_KINDS

    fn = next(f for f in rubric.functions if f.name == "reverse_ode_drift")
    public = next(c for c in fn.checks if c.visibility == "public")
    ctx = CheckContext("hw2", "x", fn, public, ref, str)
    for planned in CHECK_KINDS[public.kind].plan(ctx):
        x = planned.args["x"]
        memo[x.shape[0]] = ref(*planned.args.values())

    def cheat(x, t, score):
        return memo.get(x.shape[0], torch.zeros_like(x))

    assert run_check(rubric, "reverse_ode_drift", public.name, cheat).outcome == "passed"
    hidden = next(c for c in fn.checks if c.visibility == "hidden")
    assert run_check(rubric, "reverse_ode_drift", hidden.name, cheat).score == 0


def test_off_by_one_in_time_is_diagnosed(rubrics):
    rubric = rubrics["hw2"]
    ref = rubric.reference_function("ddpm_posterior_mean_from_score")

    def late(x_t, score, betas, t):
        return ref(x_t, score, betas, t + 1 if t < betas.shape[0] else t)

    result = run_check(rubric, "ddpm_posterior_mean_from_score", "random times", late)
    assert result.outcome == "failed"
    assert "evaluated at t + 1: an off-by-one in the time index" in " ".join(result.messages)
