"""Elementwise comparison of a student's value with the reference value.

Two tiers, both giving full credit:

1. **float64 agreement**: ``|got - expected| <= atol + rtol |expected|`` with
   the check's tolerances (defaults ``rtol = 1e-8``, ``atol = 1e-10``);
2. **float32-level agreement** (:class:`grader.judge.float32.Float32Tier`), with a note that the
   result is less precise than float64 arithmetic: a correct computation done
   partly in float32 (schedule buffers kept in float32, a coefficient cast
   down and back, float32 accumulation) or with a stabilising epsilon of at
   most 1e-8 (contract, conventions). Its tolerance is
   ``atol32 + rtol32 |expected|`` with ``rtol32 = 1e-5`` (about 80 float32
   rounding units) and ``atol32 = max(1e-6, 1e-5 max|expected|, 10 D)``,
   where ``D = max |reference in float32 - reference in float64|`` over the
   output component on the same inputs: the problem's own conditioning (at
   t = 1 of a DDPM schedule, ``1 - abar_1`` loses four digits in float32).

Check inputs are chosen so that every catalogued mistake is at least 100
times outside the float32 tier on some point-carrying case
(``tests/grader/test_margins.py``). Equivalent representations also get full
credit with a note: numpy vs torch vs Python numbers, tuple vs list, a shape
that differs only by singleton dimensions, float32 results. A mismatch
message follows ``torch.testing``: how many elements differ out of how many,
and the largest absolute and relative differences with their index and the
tolerance allowed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from grader.judge.float32 import Float32Tier, float32_allowance, float32_deviation
from grader.values import ArrayValue, DictValue, SeqValue, Value, as_array, describe

__all__ = ["Comparison", "compare", "describe_pattern"]

@dataclass
class Comparison:
    """Outcome of comparing one value.

    Attributes
    ----------
    ok : bool
        Every component within tolerance.
    messages : list of str
        Why it failed (empty when ``ok``).
    notes : list of str
        Representation differences that still earn credit.
    """

    ok: bool = True
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        """Mark the comparison failed with a reason."""
        self.ok = False
        self.messages.append(message)


def _index(shape: tuple[int, ...], flat: int) -> str:
    if not shape:
        return "()"
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def _component32(get: Callable[[], Value] | None, step: Callable[[Value], Value]) -> Callable[[], Value] | None:
    """The float32 reference of a sub-component (lazily), or None."""
    if get is None:
        return None

    def sub() -> Value:
        try:
            return step(get())
        except (IndexError, KeyError, TypeError, AttributeError):
            return None

    return sub


def _item32(value: Value, i: int) -> Value:
    return value.items[i] if isinstance(value, SeqValue) else None


def _key32(value: Value, k: str) -> Value:
    return value.items.get(k) if isinstance(value, DictValue) else None


def _aligned(exp: np.ndarray, val: np.ndarray, what: str, out: Comparison) -> np.ndarray | None:
    """``val`` in the shape of ``exp`` if they differ only by singleton dimensions, else None (failed)."""
    if exp.shape == val.shape:
        return val
    if exp.size == val.size and tuple(n for n in exp.shape if n != 1) == tuple(n for n in val.shape if n != 1):
        out.notes.append(f"{what}: shape {tuple(val.shape)} differs from the expected "
                         f"{tuple(exp.shape)} only by singleton dimensions (full credit).")
        return val.reshape(exp.shape)
    out.fail(f"{what}: expected shape {tuple(exp.shape)}, got shape {tuple(val.shape)}.")
    return None


def _nonfinite(exp: np.ndarray, val: np.ndarray, what: str, out: Comparison) -> bool:
    """Fail on NaN or infinite values where finite ones were expected; True if so."""
    bad_val = ~np.isfinite(val)
    bad_exp = ~np.isfinite(exp)
    if not np.any(bad_val & ~bad_exp):
        return False
    nan = int(np.sum(np.isnan(val) & ~bad_exp))
    inf = int(np.sum(np.isinf(val) & ~bad_exp))
    first = int(np.flatnonzero(bad_val & ~bad_exp)[0])
    out.fail(f"{what}: {nan} NaN and {inf} infinite values where finite values were expected "
             f"(first at index {_index(exp.shape, first)}).")
    return True


def _float32_note(exp: np.ndarray, val: np.ndarray, what: str) -> str:
    """The note for a float64 result that is right only at float32-level accuracy."""
    finite = np.isfinite(exp)
    scale = float(np.max(np.abs(exp[finite]))) if finite.any() else 0.0
    worst = float(np.max(np.abs(val - exp)[finite])) if finite.any() else 0.0
    how = (f"to {worst / scale:.1e} of its largest magnitude" if scale > 0
           else f"within {worst:.1e} of the expected zeros")
    return (f"{what}: agrees with float64 arithmetic only {how}, at float32-level accuracy "
            "(float32 intermediates or a stabilising epsilon?): less precise than float64, full credit.")


def _mismatch(exp: np.ndarray, val: np.ndarray, close: np.ndarray, allowed_abs: float, allowed_rel: float,
              what: str) -> str:
    """The failure message of an array comparison: how many, where, by how much, which pattern."""
    shape, n = exp.shape, exp.size
    exp, val, close = exp.reshape(-1), val.reshape(-1), np.asarray(close).reshape(-1)
    diff = np.abs(val - exp)
    diff[~np.isfinite(diff)] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(exp != 0, diff / np.abs(exp), np.inf * (diff > 0))
    rel[~np.isfinite(rel) & (diff == 0)] = 0.0
    k = int(np.sum(~close))
    i_abs = int(np.argmax(diff))
    i_rel = int(np.argmax(np.where(np.isfinite(rel), rel, np.finfo(float).max)))
    first = int(np.flatnonzero(~close)[0])
    lines = [f"{what}: mismatched elements: {k} / {n} ({100.0 * k / max(n, 1):.1f}%), "
             f"first at index {_index(shape, first)} "
             f"(expected {exp.flat[first]:.6g}, got {val.flat[first]:.6g}).",
             f"Greatest absolute difference: {diff.flat[i_abs]:.3g} at index "
             f"{_index(shape, i_abs)} (up to {allowed_abs:.1e} allowed); greatest relative "
             f"difference: {rel.flat[i_rel]:.3g} at index {_index(shape, i_rel)} "
             f"(up to {allowed_rel:.1e} allowed)."]
    lines.extend(describe_pattern(exp.reshape(shape), val.reshape(shape), ~close.reshape(shape), rel.reshape(shape)))
    return " ".join(lines)


def _compare_arrays(expected: ArrayValue, got: ArrayValue, rtol: float, atol: float,
                    what: str, out: Comparison, float32: Float32Tier | None = None,
                    expected32: Callable[[], Value] | None = None) -> None:
    exp = expected.data
    val = _aligned(exp, got.data, what, out)
    if val is None:
        return
    low_precision = got.orig_dtype in ("float32", "float16", "bfloat16") and expected.orig_dtype == "float64"
    if low_precision:
        if float32 is None:  # a float32 result is compared at float32 accuracy in any case
            float32 = Float32Tier()
        out.notes.append(f"{what}: {got.orig_dtype} result compared at float32 accuracy "
                         f"(the contract asks for float64; full credit).")
    if got.source != "torch" and expected.source == "torch" and got.source != "python":
        out.notes.append(f"{what}: returned a {got.source} value instead of a torch tensor (full credit).")
    if _nonfinite(exp, val, what, out):
        return
    close = np.isclose(val, exp, rtol=rtol, atol=atol, equal_nan=True)
    if np.all(close):
        return
    allowed_abs, allowed_rel = atol, rtol
    if float32 is not None:
        arr32 = as_array(expected32() if expected32 is not None else None)
        deviation = float32_deviation(exp, arr32.data if arr32 is not None else None)
        allowance = float32_allowance(exp, deviation, float32, rtol, atol)
        with np.errstate(invalid="ignore"):
            close = (np.abs(val - exp) <= allowance) | (np.isnan(val) & np.isnan(exp)) | (val == exp)
        if np.all(close):
            if not low_precision:
                out.notes.append(_float32_note(exp, val, what))
            return
        allowed_rel = max(rtol, float32.rtol)
        allowed_abs = float(np.min(allowance - allowed_rel * np.abs(exp))) if exp.size else atol
    out.fail(_mismatch(exp, val, close, allowed_abs, allowed_rel, what))


def describe_pattern(exp: np.ndarray, val: np.ndarray, bad: np.ndarray, rel: np.ndarray) -> list[str]:
    """Sentences on how a wrong array differs: a constant factor, a sign, an offset, where.

    Parameters
    ----------
    exp, val : numpy.ndarray
        Expected and returned values (same shape, finite).
    bad : numpy.ndarray of bool
        Elements outside the tolerance.
    rel : numpy.ndarray
        Relative differences.

    Returns
    -------
    list of str
        Zero or more sentences for the report.
    """
    out: list[str] = []
    e, v = exp.reshape(-1), val.reshape(-1)
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    if e.size >= 3 and scale > 0:
        nonzero = np.abs(e) > 1e-12 * scale
        if np.all(nonzero):
            ratio = v / e
            spread = float(np.ptp(ratio))
            r = float(np.median(ratio))
            if spread <= 1e-6 * max(abs(r), 1e-12) and abs(r - 1) > 1e-4:  # not a rounding difference
                if abs(r + 1) <= 1e-6:
                    out.append("Every element has the opposite sign of the expected value: a sign error.")
                else:
                    out.append(f"Every element is {r:.6g} times the expected value: a constant factor "
                               "is wrong or missing.")
        offset = v - e
        if not out and float(np.ptp(offset)) <= 1e-9 * scale and abs(float(offset[0])) > 0:
            out.append(f"Every element is off by the same constant {float(offset[0]):.6g}.")
    if bad.any():
        finite = rel[bad][np.isfinite(rel[bad])]
        if finite.size >= 2:
            out.append(f"Relative errors of the mismatched elements: median {np.median(finite):.3g}, "
                       f"90th percentile {np.quantile(finite, 0.9):.3g}.")
    if bad.ndim >= 2 and bad.shape[0] > 1:
        rows = np.flatnonzero(bad.reshape(bad.shape[0], -1).any(axis=1))
        if rows.size == bad.shape[0]:
            out.append("Every row (first index) is affected.")
        else:
            listed = ", ".join(str(i) for i in rows[:8]) + (", ..." if rows.size > 8 else "")
            out.append(f"Rows (first index) with a mismatch: {listed} ({rows.size} of {bad.shape[0]}).")
    return out


def compare(expected: Value, got: Value, *, rtol: float, atol: float, what: str = "output",
            names: tuple[str, ...] | None = None, out: Comparison | None = None,
            float32: Float32Tier | None = None) -> Comparison:
    """Compare a returned value with the reference value.

    Parameters
    ----------
    expected : Value
        The reference output, normalised through the same codec.
    got : Value
        The student's output as decoded by :func:`grader.values.decode_value`.
    rtol, atol : float
        Float64 tier: ``|got - expected| <= atol + rtol |expected|``.
    what : str
        Name of the compared value for messages.
    names : tuple of str, optional
        Names of the components when ``expected`` is a tuple.
    out : Comparison, optional
        Accumulate into this comparison (used for the components of a tuple).
    float32 : Float32Tier, optional
        The float32-level tier tried where the float64 tier fails (full
        credit, with a note). ``None`` compares at ``rtol``/``atol`` only,
        except that float32 results are always compared at float32 accuracy.

    Returns
    -------
    Comparison
    """
    get32 = None
    if float32 is not None and float32.reference32 is not None:
        cache: list[Value] = []
        thunk = float32.reference32

        def get32() -> Value:
            if not cache:
                cache.append(thunk())
            return cache[0]

    return _compare(expected, got, rtol, atol, what, names, out if out is not None else Comparison(),
                    float32, get32)


def _compare(expected: Value, got: Value, rtol: float, atol: float, what: str,
             names: tuple[str, ...] | None, out: Comparison, float32: Float32Tier | None,
             get32: Callable[[], Value] | None) -> Comparison:
    if isinstance(expected, ArrayValue):
        arr = as_array(got)
        if arr is None:
            wanted = "number" if expected.data.ndim == 0 else f"tensor of shape {tuple(expected.data.shape)}"
            out.fail(f"{what}: expected a {wanted}, got {describe(got)}.")
            return out
        if arr is not got and isinstance(got, SeqValue):
            out.notes.append(f"{what}: returned a {got.type} of numbers instead of a tensor (full credit).")
        _compare_arrays(expected, arr, rtol, atol, what, out, float32, get32)
        return out
    if isinstance(expected, SeqValue):
        if not isinstance(got, SeqValue):
            out.fail(f"{what}: expected a tuple of {len(expected.items)} values, got {describe(got)}.")
            return out
        if len(got.items) != len(expected.items):
            out.fail(f"{what}: expected a tuple of {len(expected.items)} values, got a "
                     f"{got.type} of {len(got.items)}.")
            return out
        if got.type != expected.type:
            out.notes.append(f"{what}: returned a {got.type} instead of a {expected.type} (full credit).")
        for i, (e, g) in enumerate(zip(expected.items, got.items)):
            label = names[i] if names and i < len(names) else f"{what}[{i}]"
            _compare(e, g, rtol, atol, label, None, out, float32,
                     _component32(get32, functools.partial(_item32, i=i)))
        return out
    if isinstance(expected, DictValue):
        if not isinstance(got, DictValue):
            out.fail(f"{what}: expected a dict with keys {sorted(expected.items)}, got {describe(got)}.")
            return out
        missing = [k for k in expected.items if k not in got.items]
        if missing:
            out.fail(f"{what}: missing keys {missing}.")
        extra = [k for k in got.items if k not in expected.items]
        if extra:
            out.notes.append(f"{what}: extra keys {extra} were ignored.")
        for k, e in expected.items.items():
            if k in got.items:
                _compare(e, got.items[k], rtol, atol, f"{what}[{k!r}]", None, out, float32,
                         _component32(get32, functools.partial(_key32, k=k)))
        return out
    if expected is None:
        if got is not None:
            out.fail(f"{what}: expected None, got {describe(got)}.")
        return out
    out.fail(f"{what}: the reference value is not comparable ({describe(expected)}).")
    return out
