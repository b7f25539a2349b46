"""Case generators for hw3: DDPM objective and score matching."""

from __future__ import annotations

from typing import Any

__all__ = ["CASES"]

CASES: dict[str, Any] = {}
