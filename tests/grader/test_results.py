"""The result document model: its published JSON Schema, validation messages, the atomic write and read."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from grader.errors import GraderError, UsageError
from grader.results import (
    CHECK_OUTCOMES,
    ITEM_STATUSES,
    ResultDocument,
    ResultError,
    ResultsFolderMissing,
    load_results,
    read_result,
    validate_result,
    write_result,
)
from grader.results.schema import SCHEMA_PATH, json_schema, schema_text

RESULTS = Path(__file__).parent / "files" / "results"
ROOT = Path(__file__).resolve().parents[2]


def _fixture(assignment="hw2", student="ada_lovelace"):
    return json.loads((RESULTS / assignment / f"{student}.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the published schema


def test_published_schema_is_the_generated_one():
    assert SCHEMA_PATH == ROOT / "docs" / "results.schema.json"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "docs/results.schema.json is stale: run python -m grader.results --schema --write")


def test_schema_check_command_agrees():
    done = subprocess.run([sys.executable, "-m", "grader.results", "--schema", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_published_schema_is_a_valid_draft_2020_12_schema_with_every_field_described():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"]["const"] == 1
    for node in [schema, *schema["$defs"].values()]:
        assert node["additionalProperties"] is False
        assert all(prop.get("description") for prop in node["properties"].values())
    assert schema["$defs"]["Item"]["properties"]["status"]["enum"] == list(ITEM_STATUSES)
    assert schema["$defs"]["Check"]["properties"]["outcome"]["enum"] == list(CHECK_OUTCOMES)


def test_fixture_documents_validate_against_the_published_schema():
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    paths = sorted(RESULTS.glob("*/*.json"))
    assert len(paths) == 7
    for path in paths:
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        assert not errors, f"{path}: {errors}"


def test_schema_and_model_reject_the_same_bad_document():
    validator = jsonschema.Draft202012Validator(json_schema())
    for mutate in (lambda d: d.update(schema_version=2), lambda d: d.update(score="10"),
                   lambda d: d["items"][0].update(status="ok"), lambda d: d.update(surprise=1),
                   lambda d: d["manual"][0].pop("comment")):
        doc = _fixture()
        mutate(doc)
        assert not validator.is_valid(doc)
        with pytest.raises(ResultError):
            validate_result(doc)


# --------------------------------------------------------------------------- validation messages


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["items"][1].update(status="ok"),
     "items[1].status (ddim_step) is 'ok'; allowed: ('passed', 'partial', 'failed', 'error', 'timeout', 'missing')"),
    (lambda d: d["items"][0]["checks"][0].update(outcome="skipped"),
     "items[0].checks[0] (ddpm_posterior) outcome is 'skipped'; allowed: ('passed', 'failed', 'error', 'timeout')"),
    (lambda d: d.update(score="10"), "'score' must be a valid number, got '10'"),
    (lambda d: d.update(max_score=True), "'max_score' must be a valid number, got True"),
    (lambda d: d.update(student=""), "'student' must be a non-empty string, got ''"),
    (lambda d: d.pop("stdout"), "'stdout' is missing"),
    (lambda d: d.update(colour="red"), "'colour' is not a field of a version-1 result document"),
    (lambda d: d["manual"][0].update(score="5"), "manual[0].score must be a valid number, got '5'"),
    (lambda d: d["items"].append(copy.deepcopy(d["items"][0])), "function 'ddpm_posterior' appears twice"),
    (lambda d: d.update(schema_version=2), "schema_version is 2, this grader reads version 1"),
])
def test_messages_name_the_source_the_field_and_the_value(mutate, message):
    doc = _fixture()
    mutate(doc)
    with pytest.raises(ResultError) as info:
        validate_result(doc, source="results/hw2/ada_lovelace.json")
    text = str(info.value)
    assert text.startswith("results/hw2/ada_lovelace.json: ")
    assert message in text


def test_result_error_is_a_usage_error_and_a_value_error():
    with pytest.raises(ResultError) as info:
        validate_result([], source="x.json")
    assert isinstance(info.value, UsageError) and isinstance(info.value, ValueError)
    assert info.value.exit_code == 2
    assert "expected a JSON object at the top level, got list" in str(info.value)


def test_validation_returns_a_typed_view_and_leaves_the_document_alone():
    doc = _fixture()
    before = copy.deepcopy(doc)
    typed = validate_result(doc)
    assert isinstance(typed, ResultDocument)
    assert typed.items[0].checks[0].outcome == doc["items"][0]["checks"][0]["outcome"]
    assert typed.manual[0].score == doc["manual"][0]["score"]
    assert doc == before


def test_older_documents_without_the_newer_fields_are_read():
    doc = _fixture()
    assert "rubric_sha256" not in doc  # written before the field existed
    assert validate_result(doc).rubric_sha256 == ""


# --------------------------------------------------------------------------- writing and reading


def test_write_then_read_gives_the_document_back_byte_for_byte(tmp_path):
    doc = _fixture()
    path = tmp_path / "hw2" / "ada_lovelace.json"
    write_result(path, doc)
    assert path.read_text(encoding="utf-8") == json.dumps(doc, indent=1) + "\n"
    assert read_result(path) == doc
    assert os.listdir(path.parent) == ["ada_lovelace.json"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_an_invalid_document_is_never_written(tmp_path):
    doc = _fixture()
    doc["items"][0]["status"] = "great"
    path = tmp_path / "hw2" / "ada_lovelace.json"
    with pytest.raises(GraderError, match="invalid result document .*items\\[0\\]\\.status"):
        write_result(path, doc)
    assert not path.exists()


def test_read_names_the_file_for_bad_json_bad_bytes_and_a_wrong_path(tmp_path):
    folder = tmp_path / "hw2"
    folder.mkdir()
    (folder / "a.json").write_text('{"schema_version": ', encoding="utf-8")
    with pytest.raises(ResultError, match=r"a\.json: result document is not valid JSON: .* line 1, column 20"):
        read_result(folder / "a.json")
    (folder / "b.json").write_bytes(b'{"x": "\xff"}')
    with pytest.raises(ResultError, match=r"b\.json: result document is not UTF-8 text"):
        read_result(folder / "b.json")
    shutil.copy(RESULTS / "hw2" / "ada_lovelace.json", folder / "c.json")
    with pytest.raises(ResultError, match=r"c\.json: document is for assignment 'hw2', student 'ada_lovelace'"):
        read_result(folder / "c.json")
    with pytest.raises(FileNotFoundError):
        read_result(folder / "missing.json")


def test_a_document_failing_validation_keeps_its_decoded_json_for_salvage(tmp_path):
    doc = _fixture()
    doc["schema_version"] = 0
    path = tmp_path / "hw2" / "ada_lovelace.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ResultError) as info:
        read_result(path)
    assert info.value.document == doc


def test_missing_results_folder_is_a_usage_error(tmp_path):
    with pytest.raises(ResultsFolderMissing, match="does not exist") as info:
        load_results(tmp_path / "nope")
    assert isinstance(info.value, FileNotFoundError) and info.value.exit_code == 2
