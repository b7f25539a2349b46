"""The order of result documents: by assignment, then student, digit runs compared as numbers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from grader.results.model import ResultDocument

__all__ = ["natural_key", "document_key"]


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that compares digit runs as numbers (``hw2`` < ``hw10``).

    Parameters
    ----------
    name : str
        An assignment or student id.

    Returns
    -------
    tuple
        Key whose even positions are lower-cased text and odd positions
        integers, followed by ``name`` itself so that the order is total.
    """
    parts = re.split(r"(\d+)", name)
    key = tuple(int(p) if i % 2 else p.lower() for i, p in enumerate(parts))
    return (key, name)


def document_key(doc: ResultDocument | Mapping[str, Any]) -> tuple[Any, ...]:
    """Sort key of a document: (assignment, student), both in :func:`natural_key` order.

    Parameters
    ----------
    doc : ResultDocument or dict
        A result document (a dict needs ``assignment`` and ``student``).

    Returns
    -------
    tuple
    """
    if isinstance(doc, ResultDocument):
        return (natural_key(doc.assignment), natural_key(doc.student))
    return (natural_key(doc["assignment"]), natural_key(doc["student"]))
