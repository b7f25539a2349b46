"""Misconception naming: each catalogued variant, graded as if a student wrote it, is named."""

from __future__ import annotations

import pytest

from grader.judge.checks import CheckContext
from grader.judge.diagnose import Evidence, name_misconception
from grader.judge.kinds import CHECK_KINDS
from reference.misconceptions import MISCONCEPTIONS, for_function
from tests.conftest import run_check  # noqa: F401 - imported for its side-effect-free helpers


def _evidence(rubric, function, impl):
    """Elementwise evidence as the pipeline would collect it, with impl as the student."""
    import tests.conftest as c

    fn = next(f for f in rubric.functions if f.name == function)
    out = []
    for check in fn.checks:
        if check.kind != "elementwise":
            continue
        ctx = CheckContext(rubric.assignment, "someone", fn, check, rubric.reference_function(function), str)
        records = c._records(ctx, CHECK_KINDS[check.kind], impl)
        out.append(Evidence(ctx, records))
    return out


def _variants(assignment):
    for_function(assignment, "")  # imports the assignment's library
    return [v for (a, _), vs in MISCONCEPTIONS.items() if a == assignment for v in vs]


@pytest.mark.parametrize("variant", _variants("hw2"), ids=lambda v: f"{v.function}.{v.name}")
def test_each_hw2_variant_is_named(rubrics, variant):
    named = name_misconception("hw2", variant.function, _evidence(rubrics["hw2"], variant.function, variant.impl))
    assert named is not None and named["name"] == variant.name


def test_the_reference_is_never_named(rubrics):
    rubric = rubrics["hw2"]
    for fn in rubric.functions:
        evidence = _evidence(rubric, fn.name, rubric.reference_function(fn.name))
        assert name_misconception("hw2", fn.name, evidence) is None


def test_precision_loss_is_named_and_a_real_mistake_is_not_called_imprecise(rubrics):
    """Outputs right to ~3 digits (half precision) are 'low_precision'; an O(1) mistake never is."""
    import torch

    rubric = rubrics["hw2"]
    reference = rubric.reference_function("reverse_ode_drift")

    def half_precision(x, t, score):
        return reference(x, t, score).half().double()

    named = name_misconception("hw2", "reverse_ode_drift", _evidence(rubric, "reverse_ode_drift", half_precision))
    assert named is not None and named["name"] == "low_precision"

    def scrambled(x, t, score):
        return reference(x, t, score) + torch.linspace(0.5, 1.5, x.numel(), dtype=x.dtype).reshape(x.shape)

    named = name_misconception("hw2", "reverse_ode_drift", _evidence(rubric, "reverse_ode_drift", scrambled))
    assert named is None or named["name"] != "low_precision"


def test_layout_slips_are_named_from_the_values(rubrics):
    """A transposed mha1 output and a flattened posterior mean are named by what was done to them."""
    rubric = rubrics["hw2"]
    mha1 = rubric.reference_function("mha1")
    named = name_misconception("hw2", "mha1", _evidence(rubric, "mha1", lambda *a: mha1(*a).T))
    assert named is not None and named["name"] == "transposed_output"
    mean = rubric.reference_function("ddpm_posterior_mean_from_score")
    named = name_misconception("hw2", "ddpm_posterior_mean_from_score",
                               _evidence(rubric, "ddpm_posterior_mean_from_score", lambda *a: mean(*a).reshape(-1)))
    assert named is not None and named["name"] == "reshaped_output"
