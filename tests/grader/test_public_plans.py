"""A public check is planned once per process (its inputs are everyone's); a hidden one per student."""

from __future__ import annotations

import copy

import torch

from grader import planning
from grader.judge.checks import CheckContext


def _context(rubrics, visibility: str, student: str, check=None) -> CheckContext:
    rubric = rubrics["hw2"]
    fn = next(f for f in rubric.functions if f.name == "ddpm_posterior")
    check = check or next(c for c in fn.checks if c.visibility == visibility)
    return CheckContext("hw2", student, fn, check, rubric.reference_function(fn.name), lambda outcome: "")


def _tensors(planned) -> list[torch.Tensor]:
    return [v for call, _wire in planned for v in call.args.values() if isinstance(v, torch.Tensor)]


def test_a_public_check_is_planned_once_and_shared_by_every_student(rubrics):
    alice, bob = (_context(rubrics, "public", s) for s in ("alice", "bob"))
    planned_a, planned_b = planning.plan_check(alice), planning.plan_check(bob)
    assert planned_a is planned_b  # the same planned calls, wire encoding and kept references
    again = planning._PUBLIC_PLANS.pop(id(alice.check))
    try:
        replanned = planning.plan_check(alice)  # planned anew: exactly the same inputs
        assert replanned is not planned_a
        assert all(torch.equal(x, y) for x, y in zip(_tensors(replanned), _tensors(planned_a)))
    finally:
        planning._PUBLIC_PLANS[id(alice.check)] = again


def test_a_hidden_check_is_planned_per_student_and_a_changed_check_anew(rubrics):
    alice, bob = (_context(rubrics, "hidden", s) for s in ("alice", "bob"))
    planned_a, planned_b = planning.plan_check(alice), planning.plan_check(bob)
    assert planned_a is not planned_b
    assert not all(torch.equal(x, y) for x, y in zip(_tensors(planned_a), _tensors(planned_b)))
    assert id(alice.check) not in planning._PUBLIC_PLANS
    public = _context(rubrics, "public", "alice")
    planning.plan_check(public)
    changed = _context(rubrics, "public", "alice", copy.deepcopy(public.check))  # e.g. a rubric loaded again
    assert planning.plan_check(changed) is not planning.plan_check(public)
