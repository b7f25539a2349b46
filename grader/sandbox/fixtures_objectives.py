"""Problem set-up objects of hw3 (score models); see :mod:`grader.sandbox.fixtures`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["FIXTURES"]

FIXTURES: dict[str, Callable[..., Any]] = {}
