"""Shared helpers: the results.json schema, validation, and visibility rules checked on every result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SCHEMA = json.loads((Path(__file__).with_name("results.schema.json")).read_text())


def check_results(result: dict[str, Any], hidden_secrets: list[str] = ()) -> None:
    """Valid against the schema, tests adding up to score, no secret in anything visible before the due date."""
    jsonschema.Draft202012Validator(SCHEMA).validate(result)
    assert abs(sum(t["score"] for t in result["tests"]) - result["score"]) < 1e-6
    visible = [result["output"]] + [t["name"] + t["output"] for t in result["tests"] if t["visibility"] == "visible"]
    for secret in hidden_secrets:
        assert not any(secret in v for v in visible), secret
    assert "Traceback" not in json.dumps(result)


@pytest.fixture
def validate():
    return check_results
