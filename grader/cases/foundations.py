"""Case generators for hw1: Tweedie, Gaussian KL, FFJORD, backprop, Fokker-Planck, SDEs."""

from __future__ import annotations

from typing import Any

__all__ = ["CASES"]

CASES: dict[str, Any] = {}
