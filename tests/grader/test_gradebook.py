"""Tests of grader.gradebook on the fixture documents in files/results.

Fixture summary (hw2: max 40 = 10 + 10 + 10 + 5 functions + 5 manual; hw3: max 20):

    hw2  ada_lovelace  ddpm_posterior 7.5, ddim_step 10, ddim_sample 10, mha1 5, manual 5  -> 37.5
    hw2  alan_turing   10, 0, 0, 0, manual pending                                          -> 10
    hw2  grace_hopper  10, 5, 0, 0 (missing), manual 3.5                                    -> 18.5
    hw2  kurt_goedel   SyntaxError, no items, manual pending                                -> 0
    hw3  ada_lovelace  ddpm_q_sample 10, implicit_score_matching_loss 10                    -> 20
    hw3  grace_hopper  10, 6                                                                -> 16
    hw3  kurt_goedel   10, 0 (timeout)                                                      -> 10
    (alan_turing has no hw3 document)
"""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from grader.gradebook import (
    gradebook_long,
    gradebook_wide,
    write_gradebook,
)
from grader.results import files as result_files
from grader.results import load_results, natural_key

RESULTS = Path(__file__).parent / "files" / "results"
NAN = math.nan


@pytest.fixture
def results():
    return load_results(RESULTS)


@pytest.fixture
def results_copy(tmp_path):
    """A writable copy of the fixture results folder."""
    dest = tmp_path / "results"
    shutil.copytree(RESULTS, dest)
    return dest


def _doc(results, assignment, student):
    return next(d for d in results if (d["assignment"], d["student"]) == (assignment, student))


# --------------------------------------------------------------------------- load_results


def test_load_results_sorted_by_assignment_then_student(results):
    assert [(d["assignment"], d["student"]) for d in results] == [
        ("hw2", "ada_lovelace"),
        ("hw2", "alan_turing"),
        ("hw2", "grace_hopper"),
        ("hw2", "kurt_goedel"),
        ("hw3", "ada_lovelace"),
        ("hw3", "grace_hopper"),
        ("hw3", "kurt_goedel"),
    ]


def test_load_results_skips_hidden_temporary_files(results_copy):
    (results_copy / "hw2" / ".ada_lovelace.json.tmp").write_text("{half", encoding="utf-8")
    (results_copy / "hw2" / ".partial.json").write_text("{half", encoding="utf-8")
    assert len(load_results(results_copy)) == 7


def test_corrupt_json_names_the_file(results_copy):
    bad = results_copy / "hw3" / "grace_hopper.json"
    bad.write_text('{"schema_version": 1, "student": ', encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"hw3/grace_hopper\.json: result document is not valid JSON"
    ) as info:
        load_results(results_copy)
    assert "line 1" in str(info.value)


def test_invalid_status_names_file_field_and_allowed_values(results_copy):
    path = results_copy / "hw2" / "ada_lovelace.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["items"][1]["status"] = "ok"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_results(results_copy)
    message = str(info.value)
    assert "hw2/ada_lovelace.json" in message
    assert "items[1].status (ddim_step) is 'ok'" in message
    assert "'partial'" in message


def test_document_in_wrong_folder_is_rejected(results_copy):
    shutil.copy(
        results_copy / "hw2" / "ada_lovelace.json", results_copy / "hw3" / "ada_lovelace.json"
    )
    with pytest.raises(
        ValueError, match=r"document is for assignment 'hw2'.*path says assignment 'hw3'"
    ):
        load_results(results_copy)


def test_unknown_schema_version_is_rejected(results_copy):
    path = results_copy / "hw3" / "kurt_goedel.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["schema_version"] = 2
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"kurt_goedel\.json.*schema_version is 2, this grader reads version 1"
    ):
        load_results(results_copy)


def test_missing_results_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_results(tmp_path / "nope")


def test_natural_order_of_assignments_and_students():
    names = ["hw10", "hw2", "quiz1", "hw1"]
    assert sorted(names, key=natural_key) == ["hw1", "hw2", "hw10", "quiz1"]
    assert sorted(["s10", "s9", "S1"], key=natural_key) == ["S1", "s9", "s10"]


# --------------------------------------------------------------------------- long


LONG_COLUMNS = [
    "student",
    "assignment",
    "ddpm_posterior",
    "ddim_step",
    "ddim_sample",
    "mha1",
    "ddpm_q_sample",
    "implicit_score_matching_loss",
    "manual",
    "score",
    "max_score",
]


def test_gradebook_long_values_and_column_order(results):
    frame = gradebook_long(results)
    assert list(frame.columns) == LONG_COLUMNS
    expected = pd.DataFrame(
        [
            # kurt_goedel hw2: no items (SyntaxError) -> 0 for hw2's functions, NaN for hw3's.
            ["ada_lovelace", "hw2", 7.5, 10.0, 10.0, 5.0, NAN, NAN, 5.0, 37.5, 40.0],
            ["alan_turing", "hw2", 10.0, 0.0, 0.0, 0.0, NAN, NAN, NAN, 10.0, 40.0],
            ["grace_hopper", "hw2", 10.0, 5.0, 0.0, 0.0, NAN, NAN, 3.5, 18.5, 40.0],
            ["kurt_goedel", "hw2", 0.0, 0.0, 0.0, 0.0, NAN, NAN, NAN, 0.0, 40.0],
            ["ada_lovelace", "hw3", NAN, NAN, NAN, NAN, 10.0, 10.0, NAN, 20.0, 20.0],
            ["grace_hopper", "hw3", NAN, NAN, NAN, NAN, 10.0, 6.0, NAN, 16.0, 20.0],
            ["kurt_goedel", "hw3", NAN, NAN, NAN, NAN, 10.0, 0.0, NAN, 10.0, 20.0],
        ],
        columns=LONG_COLUMNS,
    )
    pdt.assert_frame_equal(frame, expected)


def test_gradebook_long_function_cells_add_up_to_score(results):
    frame = gradebook_long(results)
    parts = frame[LONG_COLUMNS[2:-2]].fillna(0.0).sum(axis=1)
    assert parts.tolist() == frame["score"].tolist()


def test_gradebook_long_without_manual_items_has_no_manual_column(results):
    frame = gradebook_long([d for d in results if d["assignment"] == "hw3"])
    assert list(frame.columns) == [
        "student",
        "assignment",
        "ddpm_q_sample",
        "implicit_score_matching_loss",
        "score",
        "max_score",
    ]


def test_gradebook_long_ignores_input_order(results):
    pdt.assert_frame_equal(gradebook_long(results[::-1]), gradebook_long(results))


def test_gradebook_long_empty():
    frame = gradebook_long([])
    assert list(frame.columns) == ["student", "assignment", "score", "max_score"]
    assert len(frame) == 0


def test_function_named_like_a_fixed_column_is_rejected(results):
    doc = copy.deepcopy(_doc(results, "hw3", "ada_lovelace"))
    doc["items"][0]["function"] = "score"
    with pytest.raises(ValueError, match="function 'score' of assignment 'hw3'"):
        gradebook_long([doc])


def test_duplicate_documents_are_rejected(results):
    with pytest.raises(
        ValueError, match="two result documents for assignment 'hw3', student 'kurt_goedel'"
    ):
        gradebook_long(results + [copy.deepcopy(results[-1])])


# --------------------------------------------------------------------------- wide


def test_gradebook_wide_missing_assignment_counts_zero_in_total(results):
    frame = gradebook_wide(results)
    expected = pd.DataFrame(
        [
            ["ada_lovelace", 37.5, 20.0, 57.5, 60.0],
            ["alan_turing", 10.0, NAN, 10.0, 60.0],  # no hw3 document
            ["grace_hopper", 18.5, 16.0, 34.5, 60.0],
            ["kurt_goedel", 0.0, 10.0, 10.0, 60.0],
        ],
        columns=["student", "hw2", "hw3", "total", "max_total"],
    )
    pdt.assert_frame_equal(frame, expected)


def test_gradebook_wide_inconsistent_max_score_is_an_error(results):
    docs = copy.deepcopy(results)
    _doc(docs, "hw3", "kurt_goedel")["max_score"] = 25.0
    with pytest.raises(
        ValueError, match=r"'hw3' has max_score 20\.0 for student 'ada_lovelace' but 25\.0"
    ):
        gradebook_wide(docs)


def test_gradebook_wide_orders_assignments_naturally(results):
    docs = copy.deepcopy([d for d in results if d["student"] == "ada_lovelace"])
    docs[1]["assignment"] = "hw10"
    assert list(gradebook_wide(docs).columns) == ["student", "hw2", "hw10", "total", "max_total"]


# --------------------------------------------------------------------------- CSV


def test_write_gradebook_wide_csv_text(tmp_path):
    out = tmp_path / "exports" / "grades.csv"
    write_gradebook(RESULTS, out, wide=True)
    assert out.read_text(encoding="utf-8") == (
        "student,hw2,hw3,total,max_total\n"
        "ada_lovelace,37.5,20.0,57.5,60.0\n"
        "alan_turing,10.0,,10.0,60.0\n"
        "grace_hopper,18.5,16.0,34.5,60.0\n"
        "kurt_goedel,0.0,10.0,10.0,60.0\n"
    )
    assert sorted(p.name for p in out.parent.iterdir()) == ["grades.csv"]


def test_write_gradebook_long_csv_rounds_float_noise(results_copy, tmp_path):
    path = results_copy / "hw3" / "grace_hopper.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["items"][1]["score"] = 0.1 + 0.2  # 0.30000000000000004
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "long.csv"
    frame = write_gradebook(results_copy, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(LONG_COLUMNS)
    assert lines[1] == "ada_lovelace,hw2,7.5,10.0,10.0,5.0,,,5.0,37.5,40.0"
    assert lines[6] == "grace_hopper,hw3,,,,,10.0,0.3,,16.0,20.0"
    assert len(lines) == 8
    assert frame.loc[5, "implicit_score_matching_loss"] == 0.3


def test_write_gradebook_failure_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    out = tmp_path / "grades.csv"
    out.write_text("old\n", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(result_files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_gradebook(RESULTS, out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["grades.csv"]
