from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.judge.compare import compare
from grader.sandbox.codec import to_wire
from grader.values import decode_value


def v(x):
    return decode_value(to_wire(x))


EXPECTED = torch.tensor([[1.0, 2.0], [3.0, -4.0]], dtype=torch.float64)


@pytest.mark.parametrize("got, note", [
    (EXPECTED.clone(), None),
    (EXPECTED.numpy().copy(), "numpy"),
    (EXPECTED.float(), "float32"),
    (EXPECTED.reshape(2, 1, 2), "singleton"),
    (EXPECTED.tolist(), "list of numbers"),
])
def test_equivalent_representations_pass_with_a_note(got, note):
    result = compare(v(EXPECTED), v(got), rtol=1e-8, atol=1e-10)
    assert result.ok, result.messages
    if note:
        assert any(note in n for n in result.notes)


def test_tuple_vs_list_and_names():
    exp = v((EXPECTED, torch.tensor(0.5, dtype=torch.float64)))
    assert compare(exp, v([EXPECTED, 0.5]), rtol=1e-8, atol=0).ok
    bad = compare(exp, v((EXPECTED, 0.6)), rtol=1e-8, atol=0, names=("mean", "var"))
    assert not bad.ok and bad.messages[0].startswith("var:")


@pytest.mark.parametrize("got, message", [
    (EXPECTED.T.contiguous(), "mismatched elements: 2 / 4"),
    (EXPECTED[:1], "expected shape (2, 2), got shape (1, 2)"),
    (torch.full((2, 2), float("nan"), dtype=torch.float64), "4 NaN"),
    (None, "got None"),
    ((EXPECTED, EXPECTED), "got a tuple"),
    (EXPECTED.float() * (1 + 1e-3), "mismatched"),
])
def test_mismatches_are_explained(got, message):
    result = compare(v(EXPECTED), v(got), rtol=1e-8, atol=1e-10)
    assert not result.ok
    assert message in " ".join(result.messages)


def test_mismatch_message_gives_index_and_tolerances():
    got = EXPECTED.clone()
    got[1, 0] += 0.5
    msg = compare(v(EXPECTED), v(got), rtol=1e-8, atol=1e-10).messages[0]
    assert "1 / 4 (25.0%)" in msg and "index (1, 0)" in msg and "expected 3, got 3.5" in msg
    assert "up to 1.0e-10 allowed" in msg


def test_dict_extra_keys_ignored_missing_keys_fail():
    exp = v({"W_Q": EXPECTED})
    assert compare(exp, v({"W_Q": EXPECTED, "W_O": EXPECTED}), rtol=0, atol=0).ok
    assert not compare(exp, v({"W_K": EXPECTED}), rtol=0, atol=0).ok


def test_integers_compare_exactly():
    assert compare(v((10, 20)), v((10, 20)), rtol=0, atol=0).ok
    assert not compare(v((10, 20)), v((10, 21)), rtol=0, atol=0).ok


def test_decode_rejects_malformed_payloads():
    good = to_wire(np.zeros(3))
    bad = dict(good, shape=[4])
    with pytest.raises(ValueError):
        decode_value(bad)
    with pytest.raises(ValueError):
        decode_value({"$array": "!!!", "shape": [1], "dtype": "float64"})
    with pytest.raises(ValueError):
        decode_value({"$pickle": "x"})


@pytest.mark.parametrize("factor, sentence", [
    (-1.0, "opposite sign"),
    (0.5, "0.5 times the expected value"),
])
def test_constant_factor_and_sign_are_diagnosed(factor, sentence):
    result = compare(v(EXPECTED), v(EXPECTED * factor), rtol=1e-8, atol=1e-10)
    assert sentence in " ".join(result.messages)


def test_offset_and_rows_are_diagnosed():
    got = EXPECTED + 0.25
    assert "off by the same constant 0.25" in " ".join(compare(v(EXPECTED), v(got), rtol=1e-8, atol=1e-10).messages)
    one_row = EXPECTED.clone()
    one_row[1] *= 3
    text = " ".join(compare(v(EXPECTED), v(one_row), rtol=1e-8, atol=1e-10).messages)
    assert "Rows (first index) with a mismatch: 1 (1 of 2)" in text
    assert "constant" not in text
