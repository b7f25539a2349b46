"""Conversion between Python/torch/numpy values and the wire format.

:func:`to_wire` runs on both sides (grader inputs and reference outputs,
student outputs in the child); :func:`from_wire` turns grader inputs back into
``torch.float64`` tensors and built fixtures inside the child. Decoding of
*student* outputs in the grader is stricter and lives in
:mod:`grader.values`.

Limits: one encoded output may hold at most :data:`MAX_ELEMENTS` numbers and
nest at most :data:`MAX_DEPTH` containers; beyond that the value is replaced
by ``{"$unsupported": ...}`` with the reason.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.sandbox.protocol import Fixture, ProtocolError, decode_array_bytes

__all__ = ["MAX_ELEMENTS", "MAX_DEPTH", "to_wire", "from_wire"]

#: Largest number of array elements in one encoded value (all arrays together).
MAX_ELEMENTS = 20_000_000
#: Deepest nesting of tuples/lists/dicts accepted.
MAX_DEPTH = 6


class _Budget:
    def __init__(self) -> None:
        self.elements = 0

    def take(self, n: int) -> None:
        self.elements += n
        if self.elements > MAX_ELEMENTS:
            raise OverflowError(f"output holds more than {MAX_ELEMENTS:,} numbers")


#: ``str(dtype)`` of the dtypes seen (numpy builds that text anew at each call: a tenth of encoding).
_DTYPE_NAMES: dict[np.dtype[Any], str] = {}


def _dtype_name(dtype: np.dtype[Any]) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = str(dtype)
        if len(_DTYPE_NAMES) < 256:
            _DTYPE_NAMES[dtype] = name
    return name


def _array_to_wire(arr: np.ndarray, source: str, budget: _Budget) -> dict[str, Any]:
    budget.take(int(arr.size))
    orig = _dtype_name(arr.dtype)
    kind = arr.dtype.kind
    if kind == "b":
        wire = np.array(arr, dtype=np.bool_, order="C")
        dtype = "bool"
    elif kind in "iu":  # np.issubdtype(dtype, np.integer)
        wire = np.array(arr, dtype="<i8", order="C")
        dtype = "int64"
    elif kind == "f":  # np.issubdtype(dtype, np.floating)
        wire = np.array(arr, dtype="<f8", order="C")
        dtype = "float64"
    else:
        return {"$unsupported": f"array of dtype {orig}"}
    return {
        "$array": wire.tobytes(),
        "shape": list(wire.shape),
        "dtype": dtype,
        "orig_dtype": orig,
        "source": source,
    }


def to_wire(value: Any, _depth: int = 0, _budget: _Budget | None = None) -> Any:
    """Encode a value for the wire.

    Parameters
    ----------
    value : Any
        ``torch.Tensor`` (any float/int/bool dtype, detached and moved to
        CPU), ``numpy.ndarray`` or numpy scalar, Python ``int``/``float``/
        ``bool``/``str``/``None``, tuples, lists and dicts of those, or a
        :class:`~grader.sandbox.protocol.Fixture`.

    Returns
    -------
    Any
        JSON-serialisable encoding (see :mod:`grader.sandbox.protocol`).
        Anything else becomes ``{"$unsupported": "<type name>"}``; the
        function itself never raises on odd input.
    """
    budget = _budget or _Budget()
    if _depth > MAX_DEPTH:
        return {"$unsupported": f"nesting deeper than {MAX_DEPTH}"}
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency
        torch = None  # type: ignore[assignment]
    try:
        if value is None or isinstance(value, str):
            return value if not isinstance(value, str) else value[:10_000]
        if isinstance(value, Fixture):
            return value.to_json()
        if torch is not None and isinstance(value, torch.Tensor):
            t = torch.Tensor.detach(value)
            if t.is_complex():
                return {"$unsupported": f"complex tensor ({t.dtype})"}
            if t.dtype in (torch.bfloat16, torch.float16):
                t = t.to(torch.float32)
            return _array_to_wire(t.cpu().numpy(), "torch", budget)
        if isinstance(value, np.ndarray) and type(value) is np.ndarray:
            return _array_to_wire(value, "numpy", budget)
        if isinstance(value, np.generic):
            return _array_to_wire(np.asarray(value), "numpy", budget)
        if type(value) in (bool, int, float):
            if type(value) is int and abs(value) > 2**62:
                return _array_to_wire(np.asarray(float(value)), "python", budget)
            return _array_to_wire(np.asarray(value), "python", budget)
        if type(value) in (tuple, list):
            return {
                "$seq": [to_wire(v, _depth + 1, budget) for v in value],
                "type": type(value).__name__,
            }
        if type(value) is dict:
            return {
                "$dict": [
                    [to_wire(k, _depth + 1, budget), to_wire(v, _depth + 1, budget)]
                    for k, v in value.items()
                ]
            }
    except OverflowError as exc:
        return {"$unsupported": str(exc)}
    name = type(value).__name__
    return {"$unsupported": name[:100]}


def from_wire(enc: Any) -> Any:
    """Decode grader inputs into torch objects (runs in the child).

    Arrays become ``torch.Tensor`` of the wire dtype (``float64``, ``int64``
    or ``bool``), except 0-dim arrays whose ``source`` is ``"python"``,
    which become Python numbers; fixtures are built with
    :func:`grader.sandbox.fixtures.build`.

    Parameters
    ----------
    enc : Any
        An encoded value produced by :func:`to_wire` on the grader side.

    Returns
    -------
    Any

    Raises
    ------
    ProtocolError
        On a malformed encoding.
    """
    import torch

    if enc is None or isinstance(enc, (bool, int, float, str)):
        return enc
    if isinstance(enc, list):
        return [from_wire(v) for v in enc]
    if not isinstance(enc, dict):
        raise ProtocolError(f"cannot decode {type(enc).__name__}")
    if "$array" in enc:
        dtype = {"float64": np.float64, "int64": np.int64, "bool": np.bool_}[enc["dtype"]]
        arr: np.ndarray[Any, Any] = np.frombuffer(decode_array_bytes(enc["$array"]), dtype=dtype).reshape(enc["shape"])
        if enc.get("source") == "python" and arr.ndim == 0:
            item = arr.item()
            return item if not isinstance(item, float) or math.isfinite(item) else item
        return torch.from_numpy(arr.copy())
    if "$seq" in enc:
        items = [from_wire(v) for v in enc["$seq"]]
        return tuple(items) if enc.get("type") == "tuple" else items
    if "$dict" in enc:
        return {_hashable(from_wire(k)): from_wire(v) for k, v in enc["$dict"]}
    if "$fixture" in enc:
        from grader.sandbox.fixtures import build

        return build(Fixture(enc["$fixture"], enc.get("params", {})))
    raise ProtocolError(f"unknown encoding with keys {sorted(enc)[:5]}")


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    return key
