"""The JSON Schema of result documents, generated from :class:`grader.results.ResultDocument`.

The published copy is ``docs/results.schema.json``; a test checks that it
equals :func:`json_schema`. Regenerate it after changing the model::

    python -m grader.results --schema --write   # rewrite docs/results.schema.json
    python -m grader.results --schema           # print the schema
    python -m grader.results --schema --check   # exit 1 if the published copy is stale

Descriptions come from the models' numpydoc docstrings (their summary line
and ``Attributes`` section), so the fields are documented in one place.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from grader.results.files import write_text_atomic
from grader.results.model import (
    SCHEMA_VERSION,
    Check,
    Item,
    ManualEntry,
    Misconception,
    Override,
    ResultDocument,
    Source,
)

__all__ = ["SCHEMA_PATH", "SCHEMA_ID", "json_schema", "schema_text", "main"]

#: Where the schema is published in the repository.
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "results.schema.json"
#: The schema's identifier (a URN: the project has no web address of its own).
SCHEMA_ID = f"urn:grader:result-document:{SCHEMA_VERSION}"

_MODELS: tuple[type[BaseModel], ...] = (ResultDocument, Item, Check, Misconception, Source, ManualEntry, Override)


def _plain(text: str) -> str:
    """Docstring markup as plain text: ``:meth:`~a.b``` -> ``a.b``, double back-quotes -> single."""
    return re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text).replace("``", "`")


def _docstring_parts(model: type[BaseModel]) -> tuple[str, dict[str, str]]:
    """The summary paragraph and the ``Attributes`` descriptions of a model's docstring."""
    doc = _plain(inspect.cleandoc(model.__doc__ or ""))
    summary = doc.split("\n\n", 1)[0].replace("\n", " ")
    section = re.search(r"^Attributes\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", doc, re.M | re.S)
    fields: dict[str, str] = {}
    name = None
    for line in (section.group(1) if section else "").splitlines():
        if line and not line[0].isspace():
            name = line.split(" : ", 1)[0].strip()
            fields[name] = ""
        elif name is not None and line.strip():
            fields[name] = (fields[name] + " " + line.strip()).strip()
    return summary, fields


def _describe(node: dict[str, Any], model: type[BaseModel]) -> None:
    summary, fields = _docstring_parts(model)
    node["description"] = summary
    for name, prop in node["properties"].items():
        if not fields.get(name):
            raise ValueError(f"{model.__name__}.{name} is not described in the Attributes section "
                             "of its docstring")
        prop["description"] = fields[name]


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a result document.

    Returns
    -------
    dict
        ``ResultDocument.model_json_schema()`` with ``$schema``, ``$id``, a
        title, and descriptions taken from the models' docstrings.

    Raises
    ------
    ValueError
        If a field of a model is not described in its docstring.
    """
    schema = ResultDocument.model_json_schema()
    defs = schema.get("$defs", {})
    for model in _MODELS:
        _describe(schema if model is ResultDocument else defs[model.__name__], model)
    head = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": f"Result document (schema version {SCHEMA_VERSION})"}
    return head | {k: v for k, v in schema.items() if k != "title"}


def schema_text() -> str:
    """:func:`json_schema` as the text of ``docs/results.schema.json`` (2-space indent, final newline).

    Returns
    -------
    str
    """
    return json.dumps(json_schema(), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print, write or check the published schema (see the module docstring).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0, or 1 when ``--check`` finds the published copy stale.
    """
    parser = argparse.ArgumentParser(prog="python -m grader.results", description=__doc__.split("\n")[0])
    parser.add_argument("--schema", action="store_true", required=True, help="the JSON Schema (the only subject)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"rewrite {SCHEMA_PATH.name}")
    group.add_argument("--check", action="store_true", help="exit 1 if the published copy is stale")
    args = parser.parse_args(argv)
    text = schema_text()
    if args.write:
        write_text_atomic(SCHEMA_PATH, text)
        print(f"wrote {SCHEMA_PATH}")
    elif args.check:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.is_file() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is stale: run python -m grader.results --schema --write", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(text)
    return 0
