"""Elementwise comparison of a student's value with the reference value.

Equivalent representations get full credit, as the contract says, with a
note: numpy vs torch vs Python numbers, tuple vs list, a shape that differs
only by singleton dimensions, and float32 results (compared at float32
accuracy: ``rtol >= 1e-5`` and ``atol >= 1e-5 * max|expected|``). A mismatch
message follows ``torch.testing``: how many elements differ out of how many,
and the largest absolute and relative differences with their index and the
tolerance allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.values import ArrayValue, DictValue, SeqValue, Value, as_array, describe

__all__ = ["Comparison", "compare", "describe_pattern"]

#: Tolerances applied to float32 (and float16/bfloat16) results.
FLOAT32_RTOL = 1e-5
FLOAT32_ATOL_SCALE = 1e-5


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


def _compare_arrays(expected: ArrayValue, got: ArrayValue, rtol: float, atol: float,
                    what: str, out: Comparison) -> None:
    exp = expected.data
    val = got.data
    if exp.shape != val.shape:
        if exp.size == val.size and tuple(n for n in exp.shape if n != 1) == tuple(
                n for n in val.shape if n != 1):
            out.notes.append(f"{what}: shape {tuple(val.shape)} differs from the expected "
                             f"{tuple(exp.shape)} only by singleton dimensions (full credit).")
            val = val.reshape(exp.shape)
        else:
            out.fail(f"{what}: expected shape {tuple(exp.shape)}, got shape {tuple(val.shape)}.")
            return
    if got.orig_dtype in ("float32", "float16", "bfloat16") and expected.orig_dtype == "float64":
        scale = float(np.max(np.abs(exp))) if exp.size else 0.0
        rtol = max(rtol, FLOAT32_RTOL)
        atol = max(atol, FLOAT32_ATOL_SCALE * max(scale, 1e-30))
        out.notes.append(f"{what}: {got.orig_dtype} result compared at float32 accuracy "
                         f"(the contract asks for float64; full credit).")
    if got.source != "torch" and expected.source == "torch" and got.source != "python":
        out.notes.append(f"{what}: returned a {got.source} value instead of a torch tensor (full credit).")
    n = exp.size
    bad_val = ~np.isfinite(val)
    bad_exp = ~np.isfinite(exp)
    if np.any(bad_val & ~bad_exp):
        nan = int(np.sum(np.isnan(val) & ~bad_exp))
        inf = int(np.sum(np.isinf(val) & ~bad_exp))
        first = int(np.flatnonzero(bad_val & ~bad_exp)[0])
        out.fail(f"{what}: {nan} NaN and {inf} infinite values where finite values were expected "
                 f"(first at index {_index(exp.shape, first)}).")
        return
    close = np.isclose(val, exp, rtol=rtol, atol=atol, equal_nan=True)
    if np.all(close):
        return
    shape = exp.shape
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
             f"(expected {exp.flat[first]:.6g}, got {val.flat[first]:.6g})."]
    lines.append(f"Greatest absolute difference: {diff.flat[i_abs]:.3g} at index "
                 f"{_index(shape, i_abs)} (up to {atol:.1e} allowed); greatest relative "
                 f"difference: {rel.flat[i_rel]:.3g} at index {_index(shape, i_rel)} "
                 f"(up to {rtol:.1e} allowed).")
    lines.extend(describe_pattern(exp.reshape(shape), val.reshape(shape), ~close.reshape(shape), rel.reshape(shape)))
    out.fail(" ".join(lines))


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
            if spread <= 1e-6 * max(abs(r), 1e-12):
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
            names: tuple[str, ...] | None = None, out: Comparison | None = None) -> Comparison:
    """Compare a returned value with the reference value.

    Parameters
    ----------
    expected : Value
        The reference output, normalised through the same codec.
    got : Value
        The student's output as decoded by :func:`grader.values.decode_value`.
    rtol, atol : float
        Elementwise tolerance: ``|got - expected| <= atol + rtol |expected|``.
    what : str
        Name of the compared value for messages.
    names : tuple of str, optional
        Names of the components when ``expected`` is a tuple.

    Returns
    -------
    Comparison
    """
    out = out if out is not None else Comparison()
    if isinstance(expected, ArrayValue):
        arr = as_array(got)
        if arr is None:
            wanted = "number" if expected.data.ndim == 0 else f"tensor of shape {tuple(expected.data.shape)}"
            out.fail(f"{what}: expected a {wanted}, got {describe(got)}.")
            return out
        if arr is not got and isinstance(got, SeqValue):
            out.notes.append(f"{what}: returned a {got.type} of numbers instead of a tensor (full credit).")
        _compare_arrays(expected, arr, rtol, atol, what, out)
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
            compare(e, g, rtol=rtol, atol=atol, what=label, out=out)
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
                compare(e, got.items[k], rtol=rtol, atol=atol, what=f"{what}[{k!r}]", out=out)
        return out
    if expected is None:
        if got is not None:
            out.fail(f"{what}: expected None, got {describe(got)}.")
        return out
    out.fail(f"{what}: the reference value is not comparable ({describe(expected)}).")
    return out
