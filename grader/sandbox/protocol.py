"""Wire format between the grader and the sandbox child: JSON with raw array buffers.

Nothing crosses the process boundary but JSON and the raw bytes of arrays.
Arrays travel as their float64 (or int64, bool) little-endian bytes with
shape and the student's original representation; no pickle, no
user-defined classes. The grader side decodes with
:func:`grader.values.decode_value` under strict type and size checks, so a
hostile child can at worst send wrong numbers, never objects.

Encoded values (``enc``)::

    null | bool | int | float | str
    {"$array": bytes, "shape": [..], "dtype": "float64"|"int64"|"bool",
     "orig_dtype": "float32"|..., "source": "torch"|"numpy"|"python"}
    {"$seq": [enc, ...], "type": "tuple"|"list"}
    {"$dict": [[key_enc, enc], ...]}
    {"$fixture": name, "params": {...}}         # grader -> child only
    {"$unsupported": "TypeName"}                # child -> grader only

A frame is a 16-byte big-endian header (length of the JSON text, number of
buffers), one 8-byte length per buffer, the UTF-8 JSON text, then the
buffers. Inside the JSON a buffer is the object ``{"$buf": index}``; every
``bytes`` value of a message is sent that way, so megabytes of samples cost
one copy on each side instead of base64 text (4/3 the size) that both sides
must encode, scan and decode.
"""

from __future__ import annotations

import base64
import json
import os
import select
import struct
import time
from typing import Any

__all__ = [
    "MAX_FRAME_BYTES",
    "ProtocolError",
    "Fixture",
    "read_frame",
    "write_frame",
]

#: Largest frame either side accepts (bytes of JSON and buffers together).
MAX_FRAME_BYTES = 512 * 1024 * 1024
#: Most buffers one frame may carry.
MAX_BUFFERS = 1 << 20

_HEADER = struct.Struct(">QQ")
_LENGTH = struct.Struct(">Q")


class ProtocolError(Exception):
    """A frame was malformed, oversized, truncated or late."""


class Fixture:
    """A problem set-up object (a score network, a noise predictor, a graph).

    It is described by a registry name and JSON parameters and built on each
    side by :func:`grader.sandbox.fixtures.build`, so no code crosses the
    process boundary.

    Parameters
    ----------
    name : str
        Key of :data:`grader.sandbox.fixtures.FIXTURES`.
    params : dict
        JSON-serialisable keyword arguments of the builder.
    """

    __slots__ = ("name", "params")

    def __init__(self, name: str, params: dict[str, Any] | None = None) -> None:
        self.name = name
        self.params = dict(params or {})

    def __repr__(self) -> str:
        return f"Fixture({self.name!r}, {self.params!r})"

    def to_json(self) -> dict[str, Any]:
        """Encode as ``{"$fixture": name, "params": params}``."""
        return {"$fixture": self.name, "params": self.params}


def write_frame(fd: int, message: dict[str, Any]) -> None:
    """Write one message to a file descriptor.

    Parameters
    ----------
    fd : int
        A writable pipe.
    message : dict
        JSON-serialisable, except that ``bytes`` values are allowed anywhere
        (sent as raw buffers); NaN and infinities are allowed (Python's JSON).

    Raises
    ------
    ProtocolError
        If the encoded message exceeds :data:`MAX_FRAME_BYTES`.
    OSError
        If the pipe is closed.
    """
    buffers: list[bytes] = []

    def out_of_band(value: Any) -> dict[str, int]:
        if isinstance(value, (bytes, bytearray, memoryview)):
            buffers.append(bytes(value))
            return {"$buf": len(buffers) - 1}
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    payload = json.dumps(message, separators=(",", ":"), default=out_of_band).encode("utf-8")
    total = len(payload) + sum(len(b) for b in buffers)
    if total > MAX_FRAME_BYTES or len(buffers) > MAX_BUFFERS:
        raise ProtocolError(f"message of {total} bytes in {len(buffers)} buffers exceeds "
                            f"{MAX_FRAME_BYTES} bytes or {MAX_BUFFERS} buffers")
    lengths = b"".join(_LENGTH.pack(len(b)) for b in buffers)
    data = b"".join([_HEADER.pack(len(payload), len(buffers)), lengths, payload, *buffers])
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    remaining = n
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None, max_bytes: int = MAX_FRAME_BYTES) -> Any:
    """Read one message written by :func:`write_frame`.

    Parameters
    ----------
    fd : int
        A readable pipe.
    deadline : float, optional
        ``time.monotonic()`` value after which to give up.
    max_bytes : int
        Largest frame accepted (JSON and buffers together).

    Returns
    -------
    Any
        The decoded JSON value, with every ``{"$buf": i}`` replaced by the
        ``bytes`` of buffer ``i``.

    Raises
    ------
    TimeoutError
        If the deadline passes first.
    EOFError
        If the writer closed the pipe (e.g. the child died).
    ProtocolError
        If the frame is oversized, refers to a buffer it does not carry, or
        is not valid JSON.
    """
    length, count = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if count > MAX_BUFFERS or length > max_bytes:
        raise ProtocolError(f"frame of {length} bytes and {count} buffers exceeds the limits")
    sizes = [n for (n,) in _LENGTH.iter_unpack(_read_exact(fd, _LENGTH.size * count, deadline))] if count else []
    if length + sum(sizes) > max_bytes:
        raise ProtocolError(f"frame of {length + sum(sizes)} bytes exceeds the limit of {max_bytes}")
    payload = _read_exact(fd, length, deadline)
    buffers = [_read_exact(fd, n, deadline) for n in sizes]

    def in_band(obj: dict[str, Any]) -> Any:
        if "$buf" in obj and len(obj) == 1:
            index = obj["$buf"]
            if type(index) is not int or not 0 <= index < len(buffers):
                raise ProtocolError(f"frame refers to buffer {index!r} of {len(buffers)}")
            return buffers[index]
        return obj

    try:
        return json.loads(payload, object_hook=in_band)
    except ValueError as exc:
        raise ProtocolError(f"frame is not valid JSON: {exc}") from None


def decode_array_bytes(payload: Any) -> bytes:
    """The raw bytes of an ``$array`` payload: a buffer of the frame (or base64 text).

    Raises
    ------
    ProtocolError
        On anything but ``bytes`` or valid base64 text.
    """
    if isinstance(payload, bytes):
        return payload
    if not isinstance(payload, str):
        raise ProtocolError(f"bad array payload of type {type(payload).__name__}")
    try:
        return base64.b64decode(payload.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ProtocolError(f"bad array payload: {exc}") from None
