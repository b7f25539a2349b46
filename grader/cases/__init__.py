"""Input generators for the checks ("cases"), run in the grader only.

A case generator takes a seeded ``torch.Generator`` and the keyword
parameters of one rubric config and returns the positional arguments of the
contract function as an ordered ``dict`` (parameter name -> value). Values
are float64 tensors, Python numbers, or :class:`~grader.sandbox.protocol.Fixture`
descriptions of callables. Generators are registered by name in
:data:`CASES`; a rubric check refers to one with ``case:``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from grader.cases import attention, diffusion, foundations, objectives, preference, vae

__all__ = ["CASES", "CaseGenerator"]

CaseGenerator = Callable[..., dict[str, Any]]

#: Registry: case name -> generator ``(g: torch.Generator, **config) -> args``.
CASES: dict[str, CaseGenerator] = {}
for _module in (diffusion, attention, foundations, objectives, preference, vae):
    _clash = set(CASES) & set(_module.CASES)
    if _clash:  # pragma: no cover - a programming error
        raise RuntimeError(f"case names defined twice: {sorted(_clash)}")
    CASES.update(_module.CASES)


def generate(name: str, g: torch.Generator, config: dict[str, Any]) -> dict[str, Any]:
    """Run the generator ``name`` with a config.

    Raises
    ------
    KeyError
        If ``name`` is not registered.
    """
    return CASES[name](g, **config)
