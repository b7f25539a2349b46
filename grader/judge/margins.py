"""Margins: how far outside the tolerance each catalogued mistake lands.

For an elementwise check and a misconception, the *ratio* of a case is the
largest ``|wrong - expected| / allowed`` over its output elements, where
``allowed`` is the float32 tier's tolerance
(:func:`grader.judge.compare.float32_allowance`), the loosest the grader
accepts. A ratio below 1 means the mistake passes that case; a ratio of 100
means it is a hundred times farther off than any correct float32
computation is allowed to be. The contract asks that every mistake a check
is meant to fail lands at least 100x outside on at least one point-carrying
(non-degenerate) case, for the public inputs and for every student's hidden
inputs (``tests/grader/test_margins.py`` samples several students).

Nothing here runs student code: misconceptions are trusted references.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from grader.judge.checks import CheckContext
from grader.judge.expected import float32_tier, materialise, reference_value
from grader.judge.float32 import Float32Tier, float32_allowance, float32_deviation
from grader.judge.kinds import CHECK_KINDS
from grader.judge.trivial import trivial_match
from grader.rubric import Check, FunctionRubric, Rubric
from grader.sandbox.codec import to_wire
from grader.values import DictValue, SeqValue, Value, as_array, decode_value
from reference.misconceptions import Misconception, for_function

__all__ = ["Margin", "case_ratio", "check_margins", "rubric_margins"]


@dataclass(frozen=True)
class Margin:
    """Ratios of one misconception on one elementwise check for one student's inputs.

    Attributes
    ----------
    function, check, misconception, student : str
        What was measured (``student`` is ``"public"`` for public checks).
    ratios : tuple of float
        Per point-carrying case: largest ``|wrong - expected| / allowed``
        (``inf`` for a wrong structure or shape, or when the variant raises).
    """

    function: str
    check: str
    misconception: str
    student: str
    ratios: tuple[float, ...]

    @property
    def best(self) -> float:
        """The largest ratio over the cases (0 when there is none)."""
        return max(self.ratios, default=0.0)


def _part(value: Value, key: int | str) -> Value:
    if isinstance(value, SeqValue) and isinstance(key, int) and key < len(value.items):
        return value.items[key]
    if isinstance(value, DictValue) and isinstance(key, str):
        return value.items.get(key)
    return None


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for n in shape if n != 1)


def case_ratio(expected: Value, wrong: Value, check: Check, tier: Float32Tier | None,
               expected32: Value = None, reference: Value = None) -> float:
    """Largest ``|wrong - expected| / allowed`` over all output elements of one case.

    Parameters
    ----------
    expected, wrong : Value
        The value compared with (usually the reference) and the other output, decoded.
    check : Check
        Gives the float64 tolerances.
    tier : Float32Tier or None
        The check's float32 tier (None: the check is exact).
    expected32 : Value, optional
        The reference computed in float32 (the tier's conditioning term).
    reference : Value, optional
        The float64 reference that ``expected32`` approximates, when
        ``expected`` is something else (a misconception's output): the
        conditioning term is always ``|reference32 - reference|``.

    Returns
    -------
    float
        ``inf`` when the structures or shapes differ or a value is not finite
        where the expected one is.
    """
    reference = expected if reference is None else reference
    if isinstance(expected, (SeqValue, DictValue)):
        if type(wrong) is not type(expected):
            arr = as_array(wrong)
            if arr is None:
                return math.inf
            return case_ratio(as_array(expected), arr, check, tier, as_array(expected32), as_array(reference))
        if isinstance(expected, SeqValue):
            assert isinstance(wrong, SeqValue)
            if len(wrong.items) != len(expected.items):
                return math.inf
            keys: list[int | str] = list(range(len(expected.items)))
        else:  # the keys the reference returns (an extra key is allowed and ignored)
            assert isinstance(wrong, DictValue)
            keys = [k for k in (reference.items if isinstance(reference, DictValue) else expected.items)
                    if k in expected.items]
            if set(keys) - set(wrong.items):
                return math.inf
        return max((case_ratio(_part(expected, k), _part(wrong, k), check, tier, _part(expected32, k),
                               _part(reference, k)) for k in keys), default=0.0)
    exp, got = as_array(expected), as_array(wrong)
    if exp is None or got is None or _squeezed(exp.data.shape) != _squeezed(got.data.shape):
        return math.inf  # as in compare: only singleton dimensions may differ
    e, w = exp.data, got.data.reshape(exp.data.shape)
    if not np.all(np.isfinite(w[np.isfinite(e)])):
        return math.inf
    if tier is not None:
        a32, ref = as_array(expected32), as_array(reference)
        deviation = float32_deviation(ref.data, a32.data) if a32 is not None and ref is not None else 0.0
        allowed = float32_allowance(e, deviation, tier, check.rtol, check.atol)
    else:
        allowed = check.atol + check.rtol * np.abs(e)
    finite = np.isfinite(e)
    if not finite.any():
        return 0.0
    diff = np.abs(w[finite] - e[finite])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(diff == 0, 0.0, diff / allowed[finite])
    return float(np.max(ratio))


def _wrong_value(variant: Misconception, args: list[object]) -> Value | str:
    try:
        return decode_value(to_wire(variant.impl(*args)))
    except Exception as exc:  # noqa: BLE001 - a variant may reject these inputs
        return f"{type(exc).__name__}: {exc}"


def check_margins(rubric: Rubric, fn: FunctionRubric, check: Check, student: str = "public",
                  variants: list[Misconception] | None = None) -> list[Margin]:
    """Ratios of every misconception of ``fn`` on one elementwise check.

    Parameters
    ----------
    rubric : Rubric
    fn : FunctionRubric
    check : Check
        An ``elementwise`` check of ``fn``.
    student : str
        Whose hidden inputs (ignored for public checks).
    variants : list of Misconception, optional
        Defaults to the catalogue of ``fn``.

    Returns
    -------
    list of Margin
        One per misconception; degenerate cases (a trivial output is right)
        are left out, since they carry no points on their own.
    """
    reference = rubric.reference_function(fn.name)
    ctx = CheckContext(rubric.assignment, student, fn, check, reference, lambda o: str(o.error))
    kind = CHECK_KINDS[check.kind]
    variants = for_function(rubric.assignment, fn.name) if variants is None else variants
    cases = []
    for planned in kind.plan(ctx):
        expected = reference_value(ctx, planned)
        if trivial_match(expected, planned.args) is not None:
            continue
        tier = float32_tier(ctx, planned)
        expected32 = tier.reference32() if tier is not None and tier.reference32 is not None else None
        cases.append((planned, expected, tier, expected32))
    out = []
    who = "public" if check.visibility == "public" else student
    for variant in variants:
        ratios = []
        for planned, expected, tier, expected32 in cases:
            wrong = _wrong_value(variant, materialise(planned.args))
            ratios.append(math.inf if isinstance(wrong, str)
                          else case_ratio(expected, wrong, check, tier, expected32))
        out.append(Margin(fn.name, check.name, variant.name, who, tuple(ratios)))
    return out


def rubric_margins(rubric: Rubric, students: tuple[str, ...] = ("margin_student_a",)) -> list[Margin]:
    """:func:`check_margins` for every elementwise check of a rubric.

    Parameters
    ----------
    rubric : Rubric
    students : tuple of str
        Whose hidden inputs are measured; public checks are measured once.

    Returns
    -------
    list of Margin
        One per (check, misconception, student), in rubric order.
    """
    out = []
    for fn in rubric.functions:
        for check in fn.checks:
            if check.kind != "elementwise":
                continue
            for student in (students if check.visibility == "hidden" else ("public",)):
                out.extend(check_margins(rubric, fn, check, student))
    return out
