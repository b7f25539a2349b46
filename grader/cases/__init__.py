"""Input generators for the checks ("cases"), run in the grader only.

A case generator takes a seeded ``torch.Generator`` and the keyword
parameters of one rubric config and returns the positional arguments of the
contract function as an ordered ``dict`` (parameter name -> value). Values
are float64 tensors, Python numbers, or :class:`~grader.sandbox.protocol.Fixture`
descriptions of callables. Generators are registered by name in
:data:`CASES`; a rubric check refers to one with ``case:`` (or, without it,
by the function's name).

There is one module per topic of ``reference/``, named like it: the
generator of a function lives in the module whose namesake in
``reference/`` defines that function, and a case named after no function
(``ffjord``, ``backprop``, ``mha``, ``dpo_pairs``) lives with the functions
that use it. The seeded draws they share are in :mod:`grader.cases.draws`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from grader.cases import (
    attention,
    backprop,
    ddim,
    ddpm,
    ffjord,
    fokker_planck,
    gaussian,
    preference,
    score_matching,
    sde,
    toy,
    vae,
)
from grader.sandbox.registry import merge_tables

__all__ = ["CASES", "CaseGenerator", "generate"]

#: A case generator: ``(g: torch.Generator, **config) -> {parameter name: value}``.
CaseGenerator = Callable[..., dict[str, Any]]

#: The topic modules, each with its own ``CASES`` registry.
TOPICS: tuple[ModuleType, ...] = (
    ddpm, ddim, sde, ffjord, fokker_planck, score_matching, toy, preference, attention, backprop, gaussian, vae,
)


#: Registry: case name -> generator ``(g: torch.Generator, **config) -> args``.
CASES: dict[str, CaseGenerator] = merge_tables("CASES", TOPICS)


def generate(name: str, g: torch.Generator, config: dict[str, Any]) -> dict[str, Any]:
    """Run the generator ``name`` with a config.

    Parameters
    ----------
    name : str
        A key of :data:`CASES`.
    g : torch.Generator
        Seeded source of every draw.
    config : dict
        Keyword arguments of the generator (one rubric config).

    Returns
    -------
    dict
        The contract function's arguments, by parameter name, in order.

    Raises
    ------
    KeyError
        If ``name`` is not registered.
    """
    return CASES[name](g, **config)
