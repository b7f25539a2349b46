"""Validation of result documents, with messages that name the file, the field and the value.

:func:`validate_result` checks a decoded document against
:class:`~grader.results.model.ResultDocument` and returns the typed view; a
problem is a :class:`ResultError` such as ``results/hw2/ada.json: invalid
result document: items[1].status (ddim_step) is 'ok'; allowed: (...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from grader.errors import UsageError
from grader.results.model import (
    CHECK_OUTCOMES,
    DOCUMENT_STATUSES,
    ITEM_STATUSES,
    SCHEMA_VERSION,
    SUBMISSION_KINDS,
    VISIBILITIES,
    ResultDocument,
)

__all__ = ["ResultError", "validate_result", "as_document", "describe"]

_ALLOWED = {"status": ITEM_STATUSES, "outcome": CHECK_OUTCOMES, "visibility": VISIBILITIES,
            "submission_kind": SUBMISSION_KINDS}


class ResultError(UsageError, ValueError):
    """A result document (or a set of them) cannot be used; the message names the file and field.

    A :class:`~grader.errors.UsageError` (exit status 2 in the command line)
    and a :class:`ValueError`.

    Parameters
    ----------
    message : str
        What is wrong, naming the file (or the document) and the field.
    document : Any, optional
        The decoded JSON that failed validation, if there was one (a regrade
        still takes the instructor scores it holds).
    """

    def __init__(self, message: str, document: Any = None) -> None:
        super().__init__(message)
        self.document = document


def describe(doc: Any) -> str:
    """How to name a document that has no file in a message, e.g. ``result document for 'hw2'/'ada'``.

    Parameters
    ----------
    doc : Any
        A result document (dict or :class:`ResultDocument`) or anything else.

    Returns
    -------
    str
    """
    if isinstance(doc, ResultDocument):
        return f"result document for {doc.assignment!r}/{doc.student!r}"
    if isinstance(doc, Mapping):
        return f"result document for {doc.get('assignment')!r}/{doc.get('student')!r}"
    return "result document"


def _place(loc: tuple[int | str, ...], doc: Any) -> str:
    """Name a field for a message: ``'score'``, ``items[1].status (ddim_step)``, ``manual[0].score``."""
    if len(loc) == 1:
        return repr(loc[0])
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if loc[0] != "items" or not isinstance(loc[1], int) or len(loc) < 3:
        return text
    try:
        function = doc["items"][loc[1]]["function"]
    except (KeyError, IndexError, TypeError):
        return text
    name = f" ({function})" if isinstance(function, str) and function else ""
    if loc[2] == "checks" and len(loc) >= 5 and isinstance(loc[3], int):  # items[0].checks[1] (f) outcome
        head = f"items[{loc[1]}].checks[{loc[3]}]"
        return f"{head}{name} " + text[len(head):].lstrip(".")
    return text + name


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _problem(error: Mapping[str, Any], doc: Any) -> str:
    """One pydantic error as a sentence naming the field, the value found and what is allowed."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    if not loc:
        return str(error["msg"]).removeprefix("Value error, ")
    place = _place(loc, doc)
    if kind == "literal_error":
        allowed = DOCUMENT_STATUSES if loc == ("status",) else _ALLOWED.get(str(loc[-1]))
        return f"{place} is {_short(value)}; allowed: {allowed if allowed else error['ctx']['expected']}"
    if kind == "missing":
        return f"{place} is missing"
    if kind == "extra_forbidden":
        return f"{place} is not a field of a version-{SCHEMA_VERSION} result document"
    if kind == "string_too_short":
        return f"{place} must be a non-empty string, got {_short(value)}"
    text = str(error["msg"]).replace("Input should be", "must be")
    return f"{place} {text}, got {_short(value)}"


def validate_result(doc: Any, source: str = "<result document>") -> ResultDocument:
    """Check a decoded result document against :class:`ResultDocument` and return the typed view.

    Only the structure is checked (fields, types, allowed statuses, schema
    version), not whether scores add up: the record stage owns that.

    Parameters
    ----------
    doc : Any
        A decoded result document (normally a ``dict``).
    source : str, optional
        Where it came from (a file path), used in the message.

    Returns
    -------
    ResultDocument
        The validated document; ``doc`` itself is not changed.

    Raises
    ------
    ResultError
        If it is not a JSON object, has another schema version, or a field is
        missing, unknown, or of the wrong type or value. The message names
        ``source``, the field (with the function, inside ``items``), the value
        found and what is allowed.
    """

    def fail(what: str) -> ResultError:
        return ResultError(f"{source}: invalid result document: {what}", doc)

    if not isinstance(doc, Mapping):
        raise fail(f"expected a JSON object at the top level, got {type(doc).__name__}")
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise fail(f"schema_version is {version!r}, this grader reads version {SCHEMA_VERSION}; "
                   "re-grade with this grader version or render with the version that wrote it")
    try:
        return ResultDocument.model_validate(doc)
    except ValidationError as exc:
        problems = exc.errors()
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise fail(_problem(problems[0], doc) + more) from None


def as_document(doc: ResultDocument | Mapping[str, Any]) -> ResultDocument:
    """The typed view of ``doc``: itself if it is a :class:`ResultDocument`, else validated.

    Parameters
    ----------
    doc : ResultDocument or dict
        A result document.

    Returns
    -------
    ResultDocument

    Raises
    ------
    ResultError
        If a dict is not a valid document (see :func:`validate_result`); the
        message names it by assignment and student.
    """
    return doc if isinstance(doc, ResultDocument) else validate_result(doc, source=describe(doc))
