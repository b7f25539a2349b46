"""Case generators for hw4: Gaussian toy diffusion and preference optimisation."""

from __future__ import annotations

from typing import Any

__all__ = ["CASES"]

CASES: dict[str, Any] = {}
