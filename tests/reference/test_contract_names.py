"""The contract, ``reference.<assignment>`` and the rubric name the same functions, once.

An assignment's functions are written down in two places only: the contract
(``shared/spec/course.md``, one ``## <assignment>`` section with a table of
``name(params)`` rows) and ``reference.<assignment>.__all__``; the rubric
(``rubrics/<assignment>.yaml``) gives their points. Nothing here restates a
list. Checked, for every assignment:

* the contract's names are ``__all__``, in order, and its parameters are the
  reference functions' parameters, in order (skipped when the contract file is
  not next to the project);
* the rubric's functions are ``__all__``, in order; it points at
  ``reference.<assignment>`` and at the contract section's problem set, which
  the assignment module's docstring names together with the assignment;
* each function takes positional-or-keyword parameters only, is written once
  in a topic module and imported (so also in that module's ``__all__``), and
  has a numpydoc docstring;
* the topic modules never draw random numbers (randomness is passed in) and
  never ``assert``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

from grader.rubric import default_rubrics_dir

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "course.md"
needs_spec = pytest.mark.skipif(not SPEC.is_file(), reason=f"contract file not found at {SPEC}")


def _parse_spec() -> dict[str, tuple[str, list[tuple[str, list[str]]]]]:
    """{assignment: (section heading, [(name, parameters)])} for each section with a function table."""
    if not SPEC.is_file():
        return {}
    text = SPEC.read_text(encoding="utf-8")
    sections = {}
    for section in re.finditer(r"^## (\w+)\b([^\n]*)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S):
        rows = re.findall(r"^\| `(\w+)\(([^)]*)\)` \|", section.group(3), flags=re.M)
        if rows:
            sections[section.group(1)] = (section.group(2), [
                (name, [p.strip() for p in params.split(",") if p.strip()]) for name, params in rows])
    return sections


def _module(assignment: str) -> ModuleType:
    return importlib.import_module(f"reference.{assignment}")


CONTRACT = _parse_spec()
WITH_RUBRIC = sorted(p.stem for p in default_rubrics_dir().glob("*.yaml"))
ASSIGNMENTS = sorted(set(WITH_RUBRIC) | set(CONTRACT))
FUNCTIONS = [(a, name) for a in ASSIGNMENTS for name in _module(a).__all__]
TOPIC_MODULES = sorted({getattr(_module(a), name).__module__ for a, name in FUNCTIONS})
FUNCTION_IDS = [f"{a}-{name}" for a, name in FUNCTIONS]


def _function(assignment: str, name: str):
    return getattr(_module(assignment), name)


# -- the lists ---------------------------------------------------------------------------------


@needs_spec
def test_every_rubric_has_a_contract_section():
    assert set(WITH_RUBRIC) <= set(CONTRACT)


@needs_spec
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_all_lists_exactly_the_contract_names_in_order(assignment):
    assert assignment in CONTRACT, f"no '## {assignment}' section with a function table in {SPEC}"
    assert _module(assignment).__all__ == [name for name, _ in CONTRACT[assignment][1]]


@pytest.mark.parametrize("assignment", WITH_RUBRIC)
def test_rubric_lists_exactly_the_reference_names_in_order(rubrics, assignment):
    rubric = rubrics[assignment]
    module = _module(assignment)
    assert rubric.reference == module.__name__
    assert rubric.function_names == module.__all__
    assert assignment in (module.__doc__ or "")
    assert rubric.source.split("_")[0] in (module.__doc__ or "")  # e.g. "seeds/001"
    if CONTRACT:
        assert f"(`{rubric.source}`)" in CONTRACT[assignment][0]


# -- each function -----------------------------------------------------------------------------


@needs_spec
@pytest.mark.parametrize(("assignment", "name"), FUNCTIONS, ids=FUNCTION_IDS)
def test_parameter_names_match_the_contract(assignment, name):
    params = dict(CONTRACT[assignment][1])[name]
    assert list(inspect.signature(_function(assignment, name)).parameters) == params


@pytest.mark.parametrize(("assignment", "name"), FUNCTIONS, ids=FUNCTION_IDS)
def test_parameters_are_positional_or_keyword(assignment, name):
    params = inspect.signature(_function(assignment, name)).parameters
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params.values())


@pytest.mark.parametrize(("assignment", "name"), FUNCTIONS, ids=FUNCTION_IDS)
def test_functions_are_imported_from_their_topic_module(assignment, name):
    function = _function(assignment, name)
    assert callable(function)
    topic = importlib.import_module(function.__module__)
    assert function.__module__ != f"reference.{assignment}"
    assert getattr(topic, name) is function
    assert name in topic.__all__


@pytest.mark.parametrize(("assignment", "name"), FUNCTIONS, ids=FUNCTION_IDS)
def test_numpydoc_sections(assignment, name):
    doc = inspect.getdoc(_function(assignment, name)) or ""
    for section in ("Parameters", "Returns", "Raises", "Notes"):
        assert re.search(rf"^{section}\n-{{{len(section)}}}$", doc, re.M), (name, section)


# -- the topic modules -------------------------------------------------------------------------


@pytest.mark.parametrize("module", TOPIC_MODULES)
def test_topic_modules_draw_no_random_numbers_and_never_assert(module):
    source = Path(importlib.import_module(module).__file__).read_text()
    assert not re.search(r"torch\.rand|np\.random|numpy\.random|import random", source)
    assert not re.search(r"^\s*assert\b", source, re.M)
    assert source.count("from __future__ import annotations") == 1
