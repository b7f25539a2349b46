"""The filtered code kept on disk: the same fingerprints as copydetect's own, and no lexing of unchanged code."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from grader.discover import discover
from grader.similarity import filtered, pairs
from grader.similarity.extract import extract_codes, handout_code
from grader.similarity.render import similarity_for_assignment
from tests.similarity.test_overlap import CODES

ROOT = Path(__file__).resolve().parents[2]
HW2 = ROOT / "submissions" / "hw2"


def _class_codes(rubrics) -> dict[str, str]:
    subs = [s for s in discover(ROOT / "submissions", rubrics).submissions if s.assignment == "hw2"]
    return {**extract_codes(subs).codes, **CODES}


def _same_fingerprint(ours, theirs) -> bool:
    return (ours.raw_code == theirs.raw_code and ours.filtered_code == theirs.filtered_code
            and np.array_equal(ours.offsets, theirs.offsets) and ours.offsets.dtype == theirs.offsets.dtype
            and list(ours.hashes) == list(theirs.hashes)
            and {h: list(p) for h, p in ours.hash_idx.items()} == {h: list(p) for h, p in theirs.hash_idx.items()}
            and ours.k == theirs.k and ours.token_coverage == theirs.token_coverage)


@pytest.mark.parametrize("warm", [False, True])
def test_fingerprints_equal_copydetects_own_cold_and_from_the_cache(tmp_path, rubrics, warm):
    codes = _class_codes(rubrics)
    boilerplate = pairs._boilerplate_hashes(handout_code(rubrics["hw2"]), pairs.NOISE_TOKENS)
    cache = tmp_path / "cache"
    if warm:
        for code in codes.values():
            filtered.filtered_code(code, cache)
    own = pairs._copydetect().CodeFingerprint
    for student, code in codes.items():
        ours = pairs._fingerprint(student, code, boilerplate, pairs.NOISE_TOKENS, cache)
        theirs = own(f"{student}.py", pairs.NOISE_TOKENS, 1, boilerplate=boilerplate, language="python",
                     fp=__import__("io").StringIO(code))
        assert _same_fingerprint(ours, theirs), student
    assert len(list(cache.glob("*.json"))) == len(set(codes.values()))


def _counting(monkeypatch) -> list[str]:
    import copydetect.utils

    calls: list[str] = []
    real = copydetect.utils.filter_code

    def counted(code, *args, **kwargs):
        calls.append(code)
        return real(code, *args, **kwargs)
    monkeypatch.setattr(copydetect.utils, "filter_code", counted)
    return calls


def test_a_second_run_lexes_only_the_code_that_changed_and_writes_the_same_pages(tmp_path, rubrics, monkeypatch):
    folder = tmp_path / "hw2"
    shutil.copytree(HW2, folder)
    out = tmp_path / "out"
    calls = _counting(monkeypatch)
    first = similarity_for_assignment(out, "hw2", discover(folder, set(rubrics)).submissions,
                                      handout_code(rubrics["hw2"]))
    assert len(calls) == len(first.compared) == 13
    pages = {p.name: p.read_bytes() for p in (out / "reports" / "hw2" / "similarity").glob("*.html")}
    calls.clear()
    changed = folder / "ada_lovelace.py"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# a late fix\n", encoding="utf-8")
    second = similarity_for_assignment(out, "hw2", discover(folder, set(rubrics)).submissions,
                                       handout_code(rubrics["hw2"]))
    assert len(calls) == 1 and calls[0].endswith("# a late fix\n")
    assert second.pairs == first.pairs  # a comment changes no filtered code
    assert {p.name: p.read_bytes() for p in (out / "reports" / "hw2" / "similarity").glob("*.html")} == pages
    # one entry per submission of the class: the old version's entry is gone
    assert len(list(filtered.cache_folder(out, "hw2").glob("*.json"))) == 13


@pytest.mark.parametrize("damage", ["", "{", '{"filtered": "x", "offsets": [1, 2, 3]}', '{"filtered": 3}', "[]"])
def test_a_damaged_entry_is_lexed_again_and_repaired(tmp_path, monkeypatch, damage):
    code = CODES["loop"]
    cache = tmp_path / "cache"
    expected = filtered.filtered_code(code, None)
    filtered.filtered_code(code, cache)
    (entry,) = cache.glob("*.json")
    entry.write_text(damage, encoding="utf-8")
    calls = _counting(monkeypatch)
    text, offsets = filtered.filtered_code(code, cache)
    assert calls == [code]
    assert text == expected[0] and np.array_equal(offsets, expected[1]) and offsets.dtype == np.int64
    calls.clear()
    filtered.filtered_code(code, cache)
    assert calls == []  # repaired


def test_prune_keeps_the_class_and_files_that_are_not_entries(tmp_path):
    cache = tmp_path / "cache"
    for code in CODES.values():
        filtered.filtered_code(code, cache)
    (cache / "notes.json").write_text("{}", encoding="utf-8")
    removed = filtered.prune(cache, [CODES["loop"], CODES["other"]])
    assert removed == len(set(CODES.values())) - 2
    left = {p.name for p in cache.glob("*.json")}
    assert "notes.json" in left and len(left) == 3


def test_an_unwritable_cache_costs_only_the_lexing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    text, offsets = filtered.filtered_code(CODES["loop"], blocker / "cache")
    expected_text, expected_offsets = filtered.filtered_code(CODES["loop"], None)
    assert text == expected_text and np.array_equal(offsets, expected_offsets)
