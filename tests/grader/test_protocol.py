"""Frames between grader and sandbox child: raw array buffers, and frames a hostile child may forge."""

from __future__ import annotations

import os
import struct

import numpy as np
import pytest
import torch

from grader.sandbox.codec import from_wire, to_wire
from grader.sandbox.protocol import MAX_BUFFERS, ProtocolError, read_frame, write_frame
from grader.values import decode_value


def _roundtrip(message):
    r, w = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:  # a writer of its own: a frame may be larger than the pipe's buffer
            os.close(r)
            write_frame(w, message)
            os._exit(0)
        os.close(w)
        w = -1
        got = read_frame(r)
        os.waitpid(pid, 0)
        return got
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


def _raw(frame: bytes):
    r, w = os.pipe()
    os.write(w, frame)
    os.close(w)
    try:
        return read_frame(r)
    finally:
        os.close(r)


def test_arrays_cross_as_raw_bytes_exactly():
    x = torch.randn(300, 400, dtype=torch.float64)  # 960 kB: larger than a pipe's buffer
    message = {"op": "call", "args": [to_wire(x), to_wire((torch.arange(5), 2.5, True))]}
    got = _roundtrip(message)
    assert isinstance(got["args"][0]["$array"], bytes)
    assert torch.equal(from_wire(got["args"][0]), x)
    ints, number, flag = from_wire(got["args"][1])
    assert torch.equal(ints, torch.arange(5)) and number == 2.5 and flag is True
    value = decode_value(got["args"][0])
    np.testing.assert_array_equal(value.data, x.numpy())


def test_a_frame_without_buffers_is_plain_json():
    assert _roundtrip({"op": "exit", "nan": float("inf"), "text": "é"}) == {"op": "exit", "nan": float("inf"),
                                                                           "text": "é"}


def _frame(payload: bytes, sizes: list[int], buffers: bytes = b"") -> bytes:
    header = struct.pack(">QQ", len(payload), len(sizes)) + b"".join(struct.pack(">Q", n) for n in sizes)
    return header + payload + buffers


@pytest.mark.parametrize("payload", [b'{"$buf": 1}', b'{"$buf": -1}', b'{"$buf": "0"}', b'{"$buf": true}'])
def test_a_reference_to_a_missing_buffer_is_a_protocol_error(payload):
    with pytest.raises(ProtocolError, match="buffer"):
        _raw(_frame(payload, [3], b"abc"))


def test_too_many_or_too_large_buffers_are_refused_before_reading_them():
    with pytest.raises(ProtocolError, match="exceeds"):
        _raw(struct.pack(">QQ", 2, MAX_BUFFERS + 1))
    with pytest.raises(ProtocolError, match="exceeds"):
        _raw(_frame(b"{}", [1 << 62]))


def test_a_truncated_buffer_is_end_of_file():
    with pytest.raises(EOFError):
        _raw(_frame(b'{"$buf": 0}', [10], b"abc"))


def test_a_key_named_buf_among_others_stays_a_dict():
    assert _raw(_frame(b'{"$buf": 0, "x": 1}', [1], b"a")) == {"$buf": 0, "x": 1}


def test_a_payload_that_is_neither_bytes_nor_base64_is_malformed():
    with pytest.raises(ValueError, match="malformed"):
        decode_value({"$array": 12, "shape": [1], "dtype": "float64"})
