"""The float32 tier of the comparison: how far from float64 a correct float32 computation may land.

A correct computation done partly in float32 (schedule buffers kept in
float32, a coefficient cast down and back, float32 accumulation) or with a
stabilising epsilon of at most 1e-8 (contract, conventions) is accepted
with a note. Its tolerance is ``atol32 + rtol32 |expected|`` with
``rtol32 = 1e-5`` (about 80 float32 rounding units) and
``atol32 = max(1e-6, 1e-5 max|expected|, 10 D)``, where
``D = max |reference in float32 - reference in float64|`` over the output
component on the same inputs: the problem's own conditioning (at t = 1 of a
DDPM schedule, ``1 - abar_1`` loses four digits in float32). Used by
:func:`grader.judge.compare.compare`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from grader.values import Value

__all__ = ["Float32Tier", "float32_allowance", "float32_deviation", "FLOAT32_RTOL", "FLOAT32_ATOL",
           "FLOAT32_ATOL_SCALE", "FLOAT32_CONDITIONING"]

#: Relative tolerance of the float32 tier (float32 rounding unit 1.2e-7, times about 80).
FLOAT32_RTOL = 1e-5
#: Absolute floor of the float32 tier: a stabilising epsilon of up to 1e-8 amplified up to 100x.
FLOAT32_ATOL = 1e-6
#: The float32 tier's absolute tolerance is at least this times the component's largest magnitude.
FLOAT32_ATOL_SCALE = 1e-5
#: Multiple of the measured float32 deviation of the reference allowed (a different order of
#: float32 operations rounds differently; measured spread up to about 3x on the course's functions).
FLOAT32_CONDITIONING = 10.0


@dataclass(frozen=True)
class Float32Tier:
    """The second, float32-level tier of an elementwise comparison.

    Attributes
    ----------
    rtol : float
        Relative tolerance (default :data:`FLOAT32_RTOL`).
    atol : float
        Absolute floor (default :data:`FLOAT32_ATOL`).
    atol_scale : float
        The absolute tolerance is at least ``atol_scale * max|expected|``.
    conditioning : float
        The absolute tolerance is at least this times ``D``, the largest
        deviation of the reference run in float32 from the reference in float64.
    reference32 : callable or None
        Returns the reference value computed in float32 on the same inputs
        (same structure as the expected value), or ``None`` when the
        reference cannot run in float32. Called at most once, and only when
        the float64 tier fails.
    """

    rtol: float = FLOAT32_RTOL
    atol: float = FLOAT32_ATOL
    atol_scale: float = FLOAT32_ATOL_SCALE
    conditioning: float = FLOAT32_CONDITIONING
    reference32: Callable[[], Value] | None = None


def float32_deviation(expected: np.ndarray, expected32: np.ndarray | None) -> float:
    """Largest ``|expected32 - expected|`` over finite elements (0 if unavailable or of another shape).

    Parameters
    ----------
    expected : numpy.ndarray
        The reference computed in float64.
    expected32 : numpy.ndarray or None
        The same reference computed in float32.

    Returns
    -------
    float
        In the units of the output; the float32 tier allows 10 times it.
    """
    if expected32 is None or expected32.shape != expected.shape:
        return 0.0
    both = np.isfinite(expected) & np.isfinite(expected32)
    return float(np.max(np.abs(expected32[both] - expected[both]))) if both.any() else 0.0


def float32_allowance(expected: np.ndarray, deviation: float, tier: Float32Tier,
                      rtol: float = 0.0, atol: float = 0.0) -> np.ndarray:
    """Elementwise tolerance of the float32 tier for one output component.

    Parameters
    ----------
    expected : numpy.ndarray
        The float64 values compared with.
    deviation : float
        :func:`float32_deviation` of the reference on the same inputs (the
        problem's conditioning; 0 when unknown).
    tier : Float32Tier
        Its tolerances.
    rtol, atol : float
        The check's float64 tolerances (the tier is never tighter).

    Returns
    -------
    numpy.ndarray
        ``atol32 + rtol32 |expected|``, the largest accepted ``|got - expected|``
        per element (same shape as ``expected``).
    """
    finite = np.isfinite(expected)
    scale = float(np.max(np.abs(expected[finite]))) if finite.any() else 0.0
    atol32 = max(atol, tier.atol, tier.atol_scale * scale, tier.conditioning * deviation)
    allowed: np.ndarray = atol32 + max(rtol, tier.rtol) * np.abs(expected)
    return allowed
