"""Wire format between the grader and the sandbox child: length-prefixed JSON.

Nothing crosses the process boundary but JSON. Arrays travel as base64 of
their float64 (or int64) bytes with shape and the student's original
representation; no pickle, no user-defined classes. The grader side decodes
with :func:`decode` under strict type and size checks, so a hostile child can
at worst send wrong numbers, never objects.

Encoded values (``enc``)::

    null | bool | int | float | str
    {"$array": b64, "shape": [..], "dtype": "float64"|"int64"|"bool",
     "orig_dtype": "float32"|..., "source": "torch"|"numpy"|"python"}
    {"$seq": [enc, ...], "type": "tuple"|"list"}
    {"$dict": [[key_enc, enc], ...]}
    {"$fixture": name, "params": {...}}         # grader -> child only
    {"$unsupported": "TypeName"}                # child -> grader only

Frames are an 8-byte big-endian length followed by UTF-8 JSON.
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

#: Largest frame either side accepts (bytes of JSON).
MAX_FRAME_BYTES = 512 * 1024 * 1024

_HEADER = struct.Struct(">Q")


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
    """Write one JSON message to a file descriptor.

    Parameters
    ----------
    fd : int
        A writable pipe.
    message : dict
        JSON-serialisable; NaN and infinities are allowed (Python's JSON).

    Raises
    ------
    ProtocolError
        If the encoded message exceeds :data:`MAX_FRAME_BYTES`.
    OSError
        If the pipe is closed.
    """
    payload = json.dumps(message, separators=(",", ":")).encode("utf-8")
    if len(payload) > MAX_FRAME_BYTES:
        raise ProtocolError(f"message of {len(payload)} bytes exceeds {MAX_FRAME_BYTES}")
    data = _HEADER.pack(len(payload)) + payload
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
    """Read one JSON message.

    Parameters
    ----------
    fd : int
        A readable pipe.
    deadline : float, optional
        ``time.monotonic()`` value after which to give up.
    max_bytes : int
        Largest payload accepted.

    Returns
    -------
    Any
        The decoded JSON value.

    Raises
    ------
    TimeoutError
        If the deadline passes first.
    EOFError
        If the writer closed the pipe (e.g. the child died).
    ProtocolError
        If the frame is oversized or not valid JSON.
    """
    (length,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if length > max_bytes:
        raise ProtocolError(f"frame of {length} bytes exceeds the limit of {max_bytes}")
    payload = _read_exact(fd, length, deadline)
    try:
        return json.loads(payload)
    except ValueError as exc:
        raise ProtocolError(f"frame is not valid JSON: {exc}") from None


def encode_array_bytes(data: bytes) -> str:
    """Base64 text of raw array bytes."""
    return base64.b64encode(data).decode("ascii")


def decode_array_bytes(text: str) -> bytes:
    """Inverse of :func:`encode_array_bytes`; raises ``ProtocolError`` on bad input."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ProtocolError(f"bad array payload: {exc}") from None
