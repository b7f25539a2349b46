"""Problem set-up objects of hw1 (vector fields, Gaussian-mixture scores, graphs); see :mod:`grader.sandbox.fixtures`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["FIXTURES"]

FIXTURES: dict[str, Callable[..., Any]] = {}
