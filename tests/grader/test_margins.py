"""Tolerances hold by a margin: every catalogued mistake lands >= 100x outside them.

For each elementwise check and each misconception of its function, the ratio
``|wrong - expected| / allowed`` is computed per point-carrying case against
the loosest tolerance the grader accepts (the float32 tier), on the public
inputs and on the hidden inputs of several students. A mistake that fails the
check anywhere (ratio > 1) must fail it by at least 100x on some case for
every student: otherwise a correct float32 computation and that mistake are
too close to tell apart reliably, and the check's inputs must change (see
``grader/judge/margins.py``).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from grader.judge.margins import check_margins
from grader.rubric import load_rubrics

RUBRICS = load_rubrics()
STUDENTS = ("margin_student_a", "margin_student_b")
MARGIN = 100.0
CHECKS = [(a, f.name, c.name) for a, r in sorted(RUBRICS.items()) for f in r.functions
          for c in f.checks if c.kind == "elementwise"]


@pytest.mark.parametrize("assignment, function, check_name", CHECKS)
def test_every_mistake_is_far_outside_the_tolerance(assignment, function, check_name):
    rubric = RUBRICS[assignment]
    fn = next(f for f in rubric.functions if f.name == function)
    check = next(c for c in fn.checks if c.name == check_name)
    by_variant = defaultdict(list)
    for student in (STUDENTS if check.visibility == "hidden" else ("public",)):
        for m in check_margins(rubric, fn, check, student):
            by_variant[m.misconception].append(m)
    close = []
    for name, margins in by_variant.items():
        if any(r > 1 for m in margins for r in m.ratios):  # the check is meant to fail it
            worst = min(margins, key=lambda m: m.best)
            if worst.best < MARGIN:
                close.append(f"{name}: best case only {worst.best:.3g}x outside for {worst.student} "
                             f"(ratios {[f'{r:.3g}' for r in worst.ratios]})")
    assert not close, "\n".join(close)


def test_the_margin_ratio_is_measured_against_the_float32_tier():
    """A float32-rounding-sized error is inside (ratio < 1); a 1e-2 relative error is far outside."""
    import numpy as np
    import torch

    from grader.judge.float32 import Float32Tier
    from grader.judge.margins import case_ratio
    from grader.sandbox.codec import to_wire
    from grader.values import decode_value

    rubric = RUBRICS["hw2"]
    check = rubric.functions[0].checks[0]
    expected = torch.linspace(0.5, 2.0, 10, dtype=torch.float64)
    v = lambda x: decode_value(to_wire(x))  # noqa: E731
    assert case_ratio(v(expected), v(expected.float().double()), check, Float32Tier()) < 0.1
    assert case_ratio(v(expected), v(expected * (1 + 1e-2)), check, Float32Tier()) > MARGIN
    assert case_ratio(v(expected), v(expected[:5]), check, Float32Tier()) == np.inf
