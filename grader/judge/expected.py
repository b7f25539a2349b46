"""The expected side of a check: reference outputs on a planned call, and the float32 tier.

Grader side only: these run the reference implementation (``reference/``)
on the same inputs the student's function received, normalised exactly
like a student's value (:func:`grader.values.decode_value`), so that the
comparison sees both through one lens.

The inputs of a public check are the same for every student (seeded with
``"public"``, :meth:`grader.judge.checks.CheckContext.seed`), so its
reference outputs are computed once per process and kept in a cache keyed
by the function that ran (the reference, or a catalogued mistake run to name
a student's misconception, :func:`function_value`), the tier (float64 or
float32) and a SHA-256 of the arguments' names, types, shapes, dtypes and
bytes: inputs that differ in any way never share an entry. Hidden checks
(inputs per student) are never cached. Values are shared, not copied:
every array in them is made read-only (:func:`_frozen`), so a caller that
wants to change one must copy it, and a grader bug that writes into one
raises instead of corrupting another student's expected value.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from grader.calls import PlannedCall
from grader.judge.checks import CheckContext
from grader.judge.float32 import Float32Tier
from grader.sandbox.codec import to_wire
from grader.sandbox.fixtures import build
from grader.sandbox.protocol import Fixture
from grader.values import ArrayValue, DictValue, SeqValue, Value, decode_value

__all__ = ["materialise", "reference_value", "reference_value_float32", "function_value", "float32_tier",
           "clear_reference_cache", "args_digest"]

#: Most entries the cache holds (a class's public calls need a few hundred; their catalogued mistakes more).
CACHE_ENTRIES = 8192

_cache: dict[tuple[Any, ...], Value] = {}
_cache_lock = threading.Lock()


def _copied(value: Any) -> Any:
    """A copy the reference may modify: a tensor's own elements only, not the storage it views.

    ``copy.deepcopy`` of a tensor copies its whole storage, and planned
    arguments are often small views of a large one (a schedule, a batch of
    draws): 100 times the bytes for a ten-element view.
    """
    if isinstance(value, torch.Tensor):
        out = value.detach().clone()
        return out.requires_grad_() if value.requires_grad else out
    if type(value) is list:
        return [_copied(v) for v in value]
    if type(value) is tuple:
        return tuple(_copied(v) for v in value)
    if type(value) is dict:
        return {k: _copied(v) for k, v in value.items()}
    return copy.deepcopy(value)


def materialise(args: dict[str, Any]) -> list[Any]:
    """Positional arguments for the reference, in order: tensors copied (their elements), fixtures built.

    ``args`` is a planned call's :attr:`~grader.calls.PlannedCall.args`;
    nothing in the list returned shares memory with it.
    """
    return [build(value) if isinstance(value, Fixture) else _copied(value) for value in args.values()]


def _put(h: Any, tag: str, payload: bytes) -> None:
    h.update(f"{tag}:{len(payload)}:".encode())
    h.update(payload)


def _feed(h: Any, value: Any) -> bool:
    """Feed ``value``'s type and exact content to ``h``; False for a value it cannot fingerprint."""
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        _put(h, "tensor", f"{t.dtype}{tuple(t.shape)}{value.requires_grad}".encode())
        _put(h, "bytes", t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, np.ndarray) and value.dtype != object:
        _put(h, "ndarray", f"{value.dtype.str}{value.shape}".encode())
        _put(h, "bytes", np.ascontiguousarray(value).tobytes())
    elif value is None or isinstance(value, (bool, int, float, str)):
        _put(h, type(value).__name__, repr(value).encode())
    elif isinstance(value, Fixture):
        try:
            _put(h, "fixture", json.dumps([value.name, value.params], sort_keys=True).encode())
        except (TypeError, ValueError):
            return False
    elif isinstance(value, (list, tuple)):
        _put(h, type(value).__name__, str(len(value)).encode())
        return all(_feed(h, v) for v in value)
    elif isinstance(value, dict) and all(isinstance(k, str) for k in value):
        _put(h, "dict", str(len(value)).encode())
        return all(_feed(h, k) and _feed(h, v) for k, v in value.items())
    else:  # a generator, a module, an object: no exact fingerprint, so never cached
        return False
    return True


def args_digest(args: dict[str, Any]) -> str | None:
    """SHA-256 of a call's arguments: names, types, dtypes, shapes and bytes, in order.

    Parameters
    ----------
    args : dict
        Parameter name -> value, as in :attr:`grader.calls.PlannedCall.args`.

    Returns
    -------
    str or None
        The hex digest, or ``None`` if some value cannot be fingerprinted
        exactly (anything but tensors, arrays, numbers, strings, ``None``,
        fixtures, and lists, tuples and str-keyed dicts of those).
    """
    h = hashlib.sha256()
    try:
        exact = _feed(h, args)
    except Exception:  # noqa: BLE001 - an odd tensor (sparse, meta): not cached, still graded
        return None
    return h.hexdigest() if exact else None


def _frozen(value: Value) -> Value:
    """``value`` with every array in it made read-only (the value itself, not a copy)."""
    if isinstance(value, ArrayValue):
        value.data.flags.writeable = False
    elif isinstance(value, SeqValue):
        for item in value.items:
            _frozen(item)
    elif isinstance(value, DictValue):
        for item in value.items.values():
            _frozen(item)
    return value


def _cached(ctx: CheckContext, planned: PlannedCall, key: tuple[Any, ...], compute: Callable[[], Value]) -> Value:
    """``compute()``, computed once per planned call and, for a public check, once per process (shared, read-only).

    ``key`` names what is computed (a tier and the function that runs); the
    inputs' digest completes it in the process-wide cache.
    """
    if key in planned.expected:  # computed earlier for this very call (prefetched while the sandbox ran)
        memo: Value = planned.expected[key]
        return memo
    value = _cached_public(ctx, planned, key, compute)
    planned.expected[key] = value
    return value


def _cached_public(ctx: CheckContext, planned: PlannedCall, key: tuple[Any, ...],
                   compute: Callable[[], Value]) -> Value:
    digest = args_digest(planned.args) if ctx.check.visibility == "public" else None
    if digest is None:
        return _frozen(compute())
    full = (*key, digest)
    with _cache_lock:
        hit = full in _cache
        stored = _cache.get(full)
    if hit:
        return stored
    value = _frozen(compute())  # outside the lock: workers compute different checks at once
    with _cache_lock:
        if len(_cache) < CACHE_ENTRIES:
            value = _cache.setdefault(full, value)
    return value


def clear_reference_cache() -> None:
    """Forget every cached reference output (tests; a process that reloads references)."""
    with _cache_lock:
        _cache.clear()


def _compute(ctx: CheckContext, planned: PlannedCall) -> Value:
    # autograd stays on: some references differentiate internally (exact traces, adjoints)
    result = ctx.reference(*materialise(planned.args))
    return decode_value(to_wire(result))


def reference_value(ctx: CheckContext, planned: PlannedCall) -> Value:
    """The reference output for a planned call, normalised like a student's.

    Computed once per process for a public check's inputs (module
    docstring); the caller owns the value returned.
    """
    return _cached(ctx, planned, ("float64", ctx.reference), lambda: _compute(ctx, planned))


def function_value(ctx: CheckContext, planned: PlannedCall, function: Callable[..., Any]) -> Value:
    """``function``'s output on a planned call's inputs, normalised like a student's.

    For another implementation than the reference (a catalogued mistake,
    :mod:`grader.judge.diagnose`); cached for public inputs like
    :func:`reference_value`.

    Raises
    ------
    Exception
        Whatever ``function`` raises on these inputs (never cached).
    """
    return _cached(ctx, planned, ("float64", function),
                   lambda: decode_value(to_wire(function(*materialise(planned.args)))))


def _to_float32(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.to(torch.float32)
    if isinstance(value, torch.nn.Module):
        return value.to(torch.float32)
    if isinstance(value, dict):
        return {k: _to_float32(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
        return type(value)(_to_float32(v) for v in value)
    return value


def reference_value_float32(ctx: CheckContext, planned: PlannedCall) -> Value:
    """The reference output with every floating argument cast to float32, normalised.

    An estimate of how far a correct computation done in float32 lands from
    float64 on these inputs (the problem's conditioning), used by the
    float32 tier of the comparison (:class:`grader.judge.float32.Float32Tier`).

    Returns
    -------
    Value
        ``None`` when the reference cannot run in float32 (a fixture that
        insists on float64, integer arithmetic): the tier then uses its
        fixed tolerances only. Cached like :func:`reference_value`.
    """
    return _cached(ctx, planned, ("float32", ctx.reference), lambda: _compute32(ctx, planned))


def _compute32(ctx: CheckContext, planned: PlannedCall) -> Value:
    try:
        args = [_to_float32(a) for a in materialise(planned.args)]
        result = ctx.reference(*args)  # autograd on, as in reference_value
        return decode_value(to_wire(result))
    except Exception:  # noqa: BLE001 - a reference may refuse float32 inputs
        return None


def float32_tier(ctx: CheckContext, planned: PlannedCall | None) -> Float32Tier | None:
    """The float32 tier of a check's comparison on one planned call (None if the check is exact).

    With ``planned``, the tier's conditioning term comes from the reference
    run in float32 on that call's inputs (:func:`reference_value_float32`);
    without, for kinds whose expected value is not the reference's output
    (gradients, exact posterior means), only the fixed tolerances apply.
    """
    check = ctx.check
    if not check.float32:
        return None
    tier = Float32Tier(reference32=None if planned is None else (lambda: reference_value_float32(ctx, planned)))
    if check.float32_rtol is not None:
        tier = dataclasses.replace(tier, rtol=check.float32_rtol)
    if check.float32_atol is not None:
        tier = dataclasses.replace(tier, atol=check.float32_atol)
    return tier
