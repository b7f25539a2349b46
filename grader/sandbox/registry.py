"""Registries by topic: one name table per package, merged from its topic modules.

Case generators (:data:`grader.cases.CASES`), fixtures
(:data:`grader.sandbox.fixtures.FIXTURES`) and check kinds
(:data:`grader.judge.kinds.CHECK_KINDS`) are each defined in topic modules,
every module holding its own table under one attribute name, and merged
into one plain ``dict`` by the package's ``__init__``. Here, under
``grader/sandbox/``, because the sandbox child builds fixtures and may
import nothing else of the grader.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["merge_tables"]


def merge_tables(attribute: str, modules: tuple[ModuleType, ...]) -> dict[str, Any]:
    """The union of the modules' tables ``module.<attribute>``, refusing a name defined twice.

    Parameters
    ----------
    attribute : str
        The table's name in each module (``"CASES"``, ``"FIXTURES"``, ``"KINDS"``).
    modules : tuple of module
        The topic modules, in the order their names are listed.

    Returns
    -------
    dict
        Every name of every module's table, with its value.

    Raises
    ------
    RuntimeError
        If a name is defined by more than one module (a programming error).
    """
    merged: dict[str, Any] = {}
    for module in modules:
        table: dict[str, Any] = getattr(module, attribute)
        clash = set(merged) & set(table)
        if clash:
            raise RuntimeError(f"{attribute} names defined twice: {sorted(clash)} (again in {module.__name__})")
        merged.update(table)
    return merged
