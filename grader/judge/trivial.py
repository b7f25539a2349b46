"""Degenerate cases: inputs on which a trivial output is already right.

A case is *degenerate* when an output that does no work reproduces the
expected value: zeros, ones, or one of the function's own tensor inputs handed
back (for every component of a tuple or dict return value). Examples from the
course pack: ``ddpm_posterior`` at t = 1 (mean = x0, var = 0), Plackett-Luce
with a single ranked response (log-probability 0), a zero score model. The
contract says that no point-carrying check is passed by a trivial output, so
:class:`grader.judge.checks.Elementwise` awards a degenerate case only
together with a passed non-degenerate case of the same check.

"Ignores its inputs" in general (a hard-coded answer) is handled one level up:
public checks count only when the function also passes hidden inputs
(:func:`grader.judge.scoring.require_hidden`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from grader.values import ArrayValue, DictValue, SeqValue, Value, as_array

__all__ = ["trivial_match"]

#: Tolerance of "reproduces": relative to the component's scale, looser than float32 rounding.
_RTOL = 1e-6


def _candidates(args: dict[str, Any]) -> list[tuple[str, np.ndarray]]:
    out = []
    for name, value in args.items():
        values = value.items() if isinstance(value, dict) else [(None, value)]
        for key, v in values:
            if isinstance(v, torch.Tensor) and v.is_floating_point():
                label = name if key is None else f"{name}[{key!r}]"
                out.append((f"the input {label} handed back", v.detach().double().numpy()))
    return out


def _matches(expected: np.ndarray, candidate: np.ndarray) -> bool:
    if expected.size != candidate.size or expected.size == 0:
        return False
    c = candidate.reshape(expected.shape)
    scale = max(float(np.max(np.abs(expected))), float(np.max(np.abs(c))), 1e-300)
    return bool(np.all(np.abs(expected - c) <= _RTOL * scale + 1e-300))


def _component(expected: np.ndarray, inputs: list[tuple[str, np.ndarray]]) -> str | None:
    if expected.size == 0 or not np.all(np.isfinite(expected)):
        return None
    if not np.any(expected):
        return "zeros"
    if np.all(expected == 1.0):
        return "ones"
    for label, candidate in inputs:
        if _matches(expected, candidate):
            return label
    return None


def _walk(expected: Value, inputs: list[tuple[str, np.ndarray]], found: list[str]) -> bool:
    if isinstance(expected, ArrayValue):
        what = _component(expected.data, inputs)
        if what is None:
            return False
        found.append(what)
        return True
    if isinstance(expected, SeqValue):
        arr = as_array(expected)
        if arr is not None:
            return _walk(arr, inputs, found)
        return bool(expected.items) and all(_walk(v, inputs, found) for v in expected.items)
    if isinstance(expected, DictValue):
        return bool(expected.items) and all(_walk(v, inputs, found) for v in expected.items.values())
    return False


def trivial_match(expected: Value, args: dict[str, Any]) -> str | None:
    """Which trivial output reproduces ``expected`` on these inputs, if any.

    Parameters
    ----------
    expected : Value
        The reference output of a planned call.
    args : dict
        The call's arguments (parameter name -> tensor, number or fixture).

    Returns
    -------
    str or None
        A description such as ``"zeros"`` or ``"the input x0 handed back"``
        (components joined with "and"), or ``None`` when no trivial output is
        right: the case is then informative.
    """
    found: list[str] = []
    if _walk(expected, _candidates(args), found):
        return " and ".join(dict.fromkeys(found))
    return None
