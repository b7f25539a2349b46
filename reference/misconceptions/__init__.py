"""Known wrong variants of the contract functions ("misconceptions").

Each misconception is a named, documented function with the contract's
signature that reproduces a mistake students really make, e.g. the DDPM
posterior variance beta_t instead of beta_tilde_t. They serve three
purposes:

* tests show that every check fails at least one realistic wrong
  implementation (a check no mistake can fail is a defect);
* the judge names the misconception when a student's outputs match one on
  the check inputs, and the report explains it;
* the validity benchmark generates labelled wrong submissions from them.

Like the references, these never enter the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Misconception", "MISCONCEPTIONS", "misconception", "for_function"]


@dataclass(frozen=True)
class Misconception:
    """A named wrong variant of a contract function.

    Attributes
    ----------
    name : str
        Identifier, unique per function (``"beta_instead_of_beta_tilde"``).
    function : str
        The contract function it imitates.
    assignment : str
        The assignment the function belongs to.
    title : str
        One line for the report ("Posterior variance uses beta_t").
    explanation : str
        One or two sentences of teaching feedback.
    reference : str
        Pointer to the relevant equation ("hw2 problem 1, beta_tilde_t").
    impl : callable
        The wrong implementation, with the contract's signature.
    """

    name: str
    function: str
    assignment: str
    title: str
    explanation: str
    reference: str
    impl: Callable[..., Any]


#: Registry: (assignment, function) -> misconceptions, filled by the decorator.
MISCONCEPTIONS: dict[tuple[str, str], list[Misconception]] = {}


def misconception(assignment: str, function: str, title: str, explanation: str,
                  reference: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a misconception of ``function``.

    The misconception's name is the decorated function's name with the
    function's name as prefix removed (``ddpm_posterior__beta_not_tilde`` ->
    ``beta_not_tilde``).
    """

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        name = impl.__name__.removeprefix(function + "__")
        item = Misconception(name, function, assignment, title, explanation, reference, impl)
        MISCONCEPTIONS.setdefault((assignment, function), []).append(item)
        return impl

    return register


def for_function(assignment: str, function: str) -> list[Misconception]:
    """Misconceptions registered for a function (importing the assignment's module)."""
    import importlib

    try:
        importlib.import_module(f"{__name__}.{assignment}")
    except ModuleNotFoundError:
        return []
    return list(MISCONCEPTIONS.get((assignment, function), []))
