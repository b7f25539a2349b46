"""Handouts: generated from the rubric and references, checked in, and gradable."""

from __future__ import annotations

import re

import nbformat
import pytest

from grader.discover import Submission, sha256_file
from grader.handout import handout_notebook, handout_text, write_handout
from grader.limits import Limits
from grader.load import load_source
from grader.pipeline import grade_submission
from grader.rubric import default_rubrics_dir

ASSIGNMENTS = sorted(p.stem for p in default_rubrics_dir().glob("*.yaml"))
HANDOUTS = default_rubrics_dir().parent / "handouts"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("fmt", ["py", "ipynb"])
def test_checked_in_handouts_are_up_to_date(rubrics, assignment, fmt, tmp_path):
    fresh = tmp_path / f"{assignment}.{fmt}"
    write_handout(rubrics[assignment], fmt, fresh)
    stored = HANDOUTS / f"{assignment}.{fmt}"
    assert stored.read_text() == fresh.read_text(), f"regenerate with: grade handout {assignment} --format {fmt}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stubs_have_the_contract_signatures(rubrics, assignment):
    import inspect

    namespace: dict = {}
    exec(compile(handout_text(rubrics[assignment]), "<handout>", "exec"), namespace)
    for fn in rubrics[assignment].functions:
        ref = rubrics[assignment].reference_function(fn.name)
        assert list(inspect.signature(namespace[fn.name]).parameters) == list(inspect.signature(ref).parameters)
        with pytest.raises(NotImplementedError):
            namespace[fn.name](*[None] * len(inspect.signature(ref).parameters))
    assert len(load_source_from_nb(handout_notebook(rubrics[assignment]))) >= len(rubrics[assignment].functions)


def load_source_from_nb(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _fill(text: str, assignment: str) -> str:
    """Replace each stub body by a call of the reference (the 'filled-in handout')."""
    pattern = re.compile(r'def (\w+)\((.*?)\):(.*?)    raise NotImplementedError\("\w+: your code here"\)', re.S)
    return pattern.sub(lambda m: (f"def {m.group(1)}({m.group(2)}):{m.group(3)}    from reference.{assignment} "
                                  f"import {m.group(1)} as _ref\n    return _ref({m.group(2)})"), text)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("fmt", ["py", "ipynb"])
def test_handout_filled_with_the_reference_gets_full_marks(rubrics, assignment, fmt, tmp_path):
    rubric = rubrics[assignment]
    path = tmp_path / f"student.{fmt}"
    if fmt == "py":
        path.write_text(_fill(handout_text(rubric), assignment))
    else:
        nb = handout_notebook(rubric)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = _fill(cell.source, assignment)
        nbformat.write(nb, path)
    assert load_source(path).units
    sub = Submission(assignment, "student", path, path, "module" if fmt == "py" else "notebook",
                     sha256_file(path), path.name)
    # the filled handout imports the reference on purpose: no import block, no bubblewrap
    doc = grade_submission(sub, rubric, Limits(blocked_imports=("grader",), isolation="none"))
    assert doc["errors"] == []
    assert {i["function"]: i["status"] for i in doc["items"]} == {f.name: "passed" for f in rubric.functions}
    assert doc["score"] == rubric.max_score
