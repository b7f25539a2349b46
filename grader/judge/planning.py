"""Planning a check's calls: inputs drawn from the case generators (``grader.cases``), never answers.

A check's calls are one per rubric config by default
(:func:`plan_configs`); kinds that need more (several grids, a second call
with the exact model) build on it. Grader side only.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import torch

from grader.calls import PlannedCall
from grader.cases import CASES, generate

if TYPE_CHECKING:
    from grader.judge.checks import CheckContext
    from grader.rubric import Check

__all__ = ["plan_configs", "describe_args", "config_value"]


def plan_configs(ctx: CheckContext) -> list[PlannedCall]:
    """One call per config of the check, its inputs drawn from the config's seed.

    Parameters
    ----------
    ctx : CheckContext
        The check (its ``case``, or the function's name, selects the generator).

    Returns
    -------
    list of PlannedCall
        Labelled with :func:`describe_args`.

    Raises
    ------
    KeyError
        If the case generator is not registered.
    """
    calls = []
    for i, config in enumerate(ctx.check.configs):
        args = generate(ctx.check.case or ctx.function.name, ctx.generator(i), config)
        calls.append(PlannedCall(args, describe_args(args)))
    return calls


def describe_args(args: dict[str, Any]) -> str:
    """A short description of a call's inputs ("N=4, t=10, x_t: (4, 3)"), shown for public checks."""
    parts = []
    for k, v in args.items():
        if isinstance(v, torch.Tensor):
            if v.ndim == 0 or v.numel() == 1:
                parts.append(f"{k}={v.item():.4g}")
            elif not v.is_floating_point() and v.numel() <= 8:
                parts.append(f"{k}={v.tolist()}")
            else:
                parts.append(f"{k}: {tuple(v.shape)}")
        elif isinstance(v, (int, float)):
            parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    return ", ".join(parts)


def config_value(check: Check, config: dict[str, Any], key: str) -> Any:
    """A config's value of ``key``, or the default of the check's case generator.

    Parameters
    ----------
    check : Check
        A rubric check (its ``case`` names the generator).
    config : dict
        One of its configs.
    key : str
        A parameter of the generator.

    Returns
    -------
    Any
        ``config[key]`` if given, else the generator's default (``None`` if it has none).
    """
    if key in config:
        return config[key]
    parameter = inspect.signature(CASES[check.case or ""]).parameters.get(key)
    return None if parameter is None or parameter.default is inspect.Parameter.empty else parameter.default
