"""Plain values decoded from the sandbox, under strict checks.

Whatever the child sends is untrusted. :func:`decode_value` accepts only the
encodings of :mod:`grader.sandbox.protocol` and produces frozen dataclasses
holding float64 numpy arrays; anything malformed raises ``ValueError``, which
the judge reports as a wrong return value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union, cast

import numpy as np

from grader.sandbox.codec import MAX_DEPTH, MAX_ELEMENTS
from grader.sandbox.protocol import ProtocolError, decode_array_bytes

__all__ = ["ArrayValue", "SeqValue", "DictValue", "TextValue", "Unsupported", "Value",
           "decode_value", "describe", "as_array"]


@dataclass(frozen=True)
class ArrayValue:
    """A number or an array, as float64.

    Attributes
    ----------
    data : numpy.ndarray
        float64 copy of the values (shape ``()`` for a number).
    source : {"torch", "numpy", "python"}
        What the student returned.
    orig_dtype : str
        The student's dtype (e.g. ``"float32"``, ``"int64"``).
    """

    data: np.ndarray
    source: str
    orig_dtype: str


@dataclass(frozen=True)
class SeqValue:
    """A tuple or list of values."""

    items: tuple[Value, ...]
    type: str


@dataclass(frozen=True)
class DictValue:
    """A dict; keys are kept as their text (``"W_Q"``)."""

    items: dict[str, Value]


@dataclass(frozen=True)
class TextValue:
    """A string (never expected by the contract)."""

    text: str


@dataclass(frozen=True)
class Unsupported:
    """Something that cannot be a contract value (an object, a complex tensor)."""

    type_name: str


Value = Union[ArrayValue, SeqValue, DictValue, TextValue, Unsupported, None]  # noqa: UP007 - a runtime alias

_DTYPES = {"float64": "<f8", "int64": "<i8", "bool": "|b1"}
_SOURCES = {"torch", "numpy", "python"}


def decode_value(enc: Any, _depth: int = 0, _count: list[int] | None = None) -> Value:
    """Decode one encoded value sent by the child.

    Parameters
    ----------
    enc : Any
        Parsed JSON.

    Returns
    -------
    Value

    Raises
    ------
    ValueError
        If the encoding is malformed, too deep or too large.
    """
    count = _count if _count is not None else [0]
    if _depth > MAX_DEPTH + 1:
        raise ValueError("value nested too deeply")
    if enc is None:
        return None
    if isinstance(enc, str):
        return TextValue(enc[:10_000])
    if isinstance(enc, bool) or isinstance(enc, (int, float)):
        return ArrayValue(np.asarray(float(enc)), "python", type(enc).__name__)
    if not isinstance(enc, dict):
        raise ValueError(f"unexpected JSON {type(enc).__name__}")
    if "$array" in enc:
        dtype = _DTYPES.get(cast(str, enc.get("dtype")))
        shape = enc.get("shape")
        if dtype is None or not isinstance(shape, list) or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape):
            raise ValueError("malformed array")
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        count[0] += size
        if count[0] > MAX_ELEMENTS:
            raise ValueError(f"return value holds more than {MAX_ELEMENTS:,} numbers")
        if not isinstance(enc["$array"], (bytes, str)):
            raise ValueError("malformed array payload")
        try:
            raw = decode_array_bytes(enc["$array"])
        except ProtocolError as exc:
            raise ValueError(str(exc)) from None
        if len(raw) != size * np.dtype(dtype).itemsize:
            raise ValueError("array payload does not match its shape")
        data = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(np.float64)
        source = cast(str, enc.get("source")) if enc.get("source") in _SOURCES else "numpy"
        orig = str(enc.get("orig_dtype", dtype))[:40]
        return ArrayValue(data, source, orig)
    if "$seq" in enc:
        items = enc["$seq"]
        if not isinstance(items, list) or len(items) > 10_000:
            raise ValueError("malformed sequence")
        kind = "tuple" if enc.get("type") == "tuple" else "list"
        return SeqValue(tuple(decode_value(v, _depth + 1, count) for v in items), kind)
    if "$dict" in enc:
        pairs = enc["$dict"]
        if not isinstance(pairs, list) or len(pairs) > 10_000:
            raise ValueError("malformed dict")
        out: dict[str, Value] = {}
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError("malformed dict entry")
            key = pair[0] if isinstance(pair[0], str) else repr(decode_value(pair[0], _depth + 1, count))
            out[key[:200]] = decode_value(pair[1], _depth + 1, count)
        return DictValue(out)
    if "$unsupported" in enc:
        return Unsupported(str(enc["$unsupported"])[:200])
    raise ValueError("unknown encoding")


def describe(value: Value) -> str:
    """Short description for messages: "torch float32 tensor of shape (4, 2)"."""
    if value is None:
        return "None"
    if isinstance(value, ArrayValue):
        if value.source == "python":
            return f"a Python {value.orig_dtype}"
        kind = "tensor" if value.source == "torch" else "array"
        if value.data.ndim == 0:
            return f"a 0-dim {value.source} {value.orig_dtype} {kind}"
        return f"a {value.source} {value.orig_dtype} {kind} of shape {tuple(value.data.shape)}"
    if isinstance(value, SeqValue):
        return f"a {value.type} of {len(value.items)} items"
    if isinstance(value, DictValue):
        return f"a dict with keys {sorted(value.items)[:8]}"
    if isinstance(value, TextValue):
        return "a string"
    if " " in value.type_name:  # a reason, e.g. "output holds more than 20,000,000 numbers"
        return f"a value the grader refused ({value.type_name})"
    return f"an object of type {value.type_name}"


def as_array(value: Value) -> ArrayValue | None:
    """View a value as one array if it is one, or a (nested) list/tuple of Python numbers.

    A tuple of tensors is *not* an array (it is a tuple return value).

    Returns
    -------
    ArrayValue or None
        ``None`` if the value is not array-like.
    """
    if isinstance(value, ArrayValue):
        return value
    if isinstance(value, SeqValue) and value.items and all(
            isinstance(v, SeqValue) or (isinstance(v, ArrayValue) and v.source == "python")
            for v in value.items):
        parts = [as_array(v) for v in value.items]
        if all(p is not None for p in parts):
            shapes = {p.data.shape for p in parts}  # type: ignore[union-attr]
            if len(shapes) == 1:
                data = np.stack([p.data for p in parts])  # type: ignore[union-attr]
                return ArrayValue(data, f"{value.type}", parts[0].orig_dtype)  # type: ignore[union-attr]
    return None
