"""The result document: its model, and the one way to write and to read it.

A result document is the JSON record of one (student, assignment), written
by the record stage (:mod:`grader.pipeline`) to
``OUT/results/<assignment>/<student>.json`` and read by everything after it
(:mod:`grader.gradebook`, :mod:`grader.report.render`, :mod:`grader.manual`,
:mod:`grader.cli`). :class:`ResultDocument` and the models it holds describe
every field; ``docs/results.schema.json`` is their JSON Schema
(:mod:`grader.results.schema`, regenerated with
``python -m grader.results --schema --write``).

In memory a document is the plain JSON object (a ``dict``), exactly as it is
stored; the models validate it and give a typed view of it
(:func:`validate_result`). Every document is validated when it is written
(:func:`write_result`) and when it is read (:func:`read_result`,
:func:`load_results`), and files are replaced atomically
(:func:`write_text_atomic`), so a reader sees the old or the new file, never
half of one.
"""

from __future__ import annotations

from grader.results.files import ResultsFolderMissing, load_results, read_result, write_result, write_text_atomic
from grader.results.model import (
    CHECK_OUTCOMES,
    DOCUMENT_STATUSES,
    ITEM_STATUSES,
    SCHEMA_VERSION,
    Check,
    CheckOutcome,
    Item,
    ItemStatus,
    ManualEntry,
    Misconception,
    Override,
    ResultDocument,
    Source,
)
from grader.results.order import document_key, natural_key
from grader.results.validate import ResultError, as_document, describe, validate_result

__all__ = [
    "SCHEMA_VERSION", "ITEM_STATUSES", "CHECK_OUTCOMES", "DOCUMENT_STATUSES", "ItemStatus", "CheckOutcome",
    "Check", "Misconception", "Source", "Item", "ManualEntry", "Override", "ResultDocument",
    "ResultError", "ResultsFolderMissing",
    "validate_result", "as_document", "describe", "read_result", "load_results",
    "write_result", "write_text_atomic", "natural_key", "document_key",
]
