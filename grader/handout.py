"""Student handouts generated from the grader's own source of truth.

``grade handout hw2 --format ipynb`` writes the template students fill in: a
stub per contract function with the reference's signature (so names and
parameter order cannot drift from what the grader calls) and a docstring
built from the reference docstring's summary, Parameters, Returns and Notes
sections, plus the points of the function from the rubric. Written parts
(manual rubric items) are listed at the end. The checked-in copies under
``handouts/`` are compared with a fresh generation by the tests.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Literal

from grader.rubric import FunctionRubric, Rubric

__all__ = ["handout_text", "handout_notebook", "function_stub", "CONVENTIONS"]

#: What every handout states about the contract (shared/spec/course.md, Conventions).
CONVENTIONS = """\
Conventions (all assignments):
- Tensors passed in are torch.float64; integer steps are Python ints or int64 tensors.
- Return a torch.Tensor, a numpy.ndarray or a Python number; results are compared in
  float64 (float32 is accepted at float32 accuracy).
- Time is 1-indexed: betas[t-1] is beta_t, abar_t = prod_{s<=t} (1 - beta_s), abar_0 = 1.
  In DDIM (hw2 problem 2), alphas[t-1] is the cumulative alpha_t.
- Randomness is passed in: never draw random numbers, use the `noise` you are given.
- Do not modify inputs in place.
- Public checks use the same inputs for everyone; hidden checks use inputs drawn for you.
"""

_KEEP = ("Parameters", "Returns", "Notes")
_HEADING = re.compile(r"^(?P<name>[A-Z][A-Za-z ]+)\n-{3,}$", re.M)


def _sections(doc: str) -> tuple[str, dict[str, str]]:
    """Split a numpydoc docstring into its summary and named sections."""
    matches = list(_HEADING.finditer(doc))
    summary = doc[: matches[0].start()].strip() if matches else doc.strip()
    sections = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        sections[m.group("name")] = doc[m.end():end].strip("\n")
    return summary, sections


def _docstring(fn: FunctionRubric, reference: Any, rubric: Rubric) -> str:
    summary, sections = _sections(inspect.getdoc(reference) or "")
    parts = [summary, "", f"[{rubric.assignment}, {fn.points:g} points]"]
    for name in _KEEP:
        if name in sections:
            parts += ["", name, "-" * len(name), sections[name].rstrip()]
    return "\n".join(parts).replace('"""', "'''")


def function_stub(fn: FunctionRubric, rubric: Rubric) -> str:
    """Source of one stub: ``def name(params):`` + docstring + ``raise NotImplementedError``.

    Parameters
    ----------
    fn : FunctionRubric
        The rubric entry of the function.
    rubric : Rubric
        Its assignment (gives the reference implementation).

    Returns
    -------
    str
        Python source, no trailing newline.
    """
    reference = rubric.reference_function(fn.name)
    params = ", ".join(inspect.signature(reference).parameters)
    doc = _docstring(fn, reference, rubric)
    body = "\n".join(("    " + line).rstrip() for line in doc.split("\n"))
    return (f"def {fn.name}({params}):\n    r\"\"\"{body.lstrip()}\n    \"\"\"\n"
            f"    raise NotImplementedError(\"{fn.name}: your code here\")")


def _header(rubric: Rubric) -> str:
    points = ", ".join(f"{f.name} ({f.points:g})" for f in rubric.functions)
    return (f"{rubric.title}\n\nImplement every function below with exactly these names and parameters, "
            f"then check your work with `grade check <this file> --assignment {rubric.assignment}`.\n"
            f"Functions and points: {points}.\n\n{CONVENTIONS}")


def _manual(rubric: Rubric) -> str:
    if not rubric.manual:
        return ""
    lines = ["Written parts (submitted separately, graded by the instructors):"]
    lines += [f"- {m.title} ({m.points:g} points)" for m in rubric.manual]
    return "\n".join(lines)


def handout_text(rubric: Rubric) -> str:
    """The handout as a Python module.

    Returns
    -------
    str
        Module source: header docstring, imports, one stub per function.
    """
    header = _header(rubric) + ("\n" + _manual(rubric) if rubric.manual else "")
    header = header.replace('"""', "'''")
    stubs = "\n\n\n".join(function_stub(fn, rubric) for fn in rubric.functions)
    return f'"""{header}"""\n\nimport math\n\nimport numpy as np\nimport torch\n\n\n{stubs}\n'


def handout_notebook(rubric: Rubric) -> Any:
    """The handout as an nbformat v4 notebook (a markdown and a code cell per function).

    Returns
    -------
    nbformat.NotebookNode
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_markdown_cell(f"# {rubric.title}\n\n" + _header(rubric).split("\n", 2)[2]
                                           .replace("Conventions (all assignments):", "**Conventions**")),
             nbformat.v4.new_code_cell("import math\n\nimport numpy as np\nimport torch")]
    for fn in rubric.functions:
        cells.append(nbformat.v4.new_markdown_cell(f"## `{fn.name}` ({fn.points:g} points)"))
        cells.append(nbformat.v4.new_code_cell(function_stub(fn, rubric)))
    if rubric.manual:
        cells.append(nbformat.v4.new_markdown_cell("## " + _manual(rubric).replace(
            "Written parts (submitted separately, graded by the instructors):",
            "Written parts\n\nSubmitted separately, graded by the instructors:\n")))
    for i, cell in enumerate(cells):
        cell["id"] = f"{rubric.assignment}-{i}"  # stable ids: regenerating gives the same file
    nb.cells = cells
    return nb


def write_handout(rubric: Rubric, fmt: Literal["py", "ipynb"], path: Any) -> None:
    """Write the handout of ``rubric`` in format ``fmt`` to ``path``."""
    from pathlib import Path

    import nbformat

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "py":
        path.write_text(handout_text(rubric), encoding="utf-8")
    else:
        path.write_text(nbformat.writes(handout_notebook(rubric)) + "\n", encoding="utf-8")
