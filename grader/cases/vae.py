"""Case generators for quiz1: diffusion as a progressive VAE."""

from __future__ import annotations

from typing import Any

__all__ = ["CASES"]

CASES: dict[str, Any] = {}
