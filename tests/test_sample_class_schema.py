"""Every result document the sample class produces is valid against the published JSON Schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from grader.results import load_results
from grader.results.schema import SCHEMA_PATH


@pytest.mark.slow
def test_every_sample_class_document_validates_against_the_published_schema(graded_sample_class):
    out, _ = graded_sample_class
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    paths = sorted((out / "results").glob("*/*.json"))
    assert len(paths) == len(load_results(out / "results")) >= 40  # the model reads every one, too
    for path in paths:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in validator.iter_errors(json.loads(path.read_text(encoding="utf-8")))]
        assert not errors, f"{path}: {errors[:3]}"
