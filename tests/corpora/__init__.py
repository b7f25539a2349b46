"""Test corpora written from the problem sets, independently of ``reference/``.

* ``public_style/<assignment>/*.py``: correct submissions written the way
  widely used public codebases write them (float32 schedule buffers,
  ``extract`` gathers, log-space products, stabilising epsilons, numpy,
  einsum and ``scaled_dot_product_attention``); each must get full marks.
* ``mistakes/<assignment>/<function>__<slug>.py``: single-mistake
  submissions, each defining only the function it gets wrong and saying its
  mistake in its docstring (``mistake: <function>: <slug>``). They were
  written without reading ``reference/misconceptions/``, so they measure how
  the grader detects and names mistakes it was not built from.
  ``mistakes/names.yaml`` says, per file, which names are right for its
  mistake (catalogue names of ``reference/misconceptions`` or the
  property names of :data:`grader.judge.diagnose.PROPERTIES`).
* ``mistakes/_correct_<assignment>.py``: the corpus authors' own correct
  versions (controls: full marks on every function they define).
* ``heldout/<assignment>/<function>__<slug>.py``: a second single-mistake
  corpus in the same format, written later, blind to the catalogue and to
  ``mistakes/``. After the first measurement on ``mistakes/``, mistakes it
  exposed were catalogued, so ``mistakes/`` is now a development set and
  ``heldout/`` gives the held-out naming rate.

Used by ``tests/test_corpora.py`` and ``bench/validity.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent
ASSIGNMENTS = ("hw1", "hw2", "hw3", "hw4", "quiz1")


@dataclass(frozen=True)
class Mistake:
    """One single-mistake submission of the independent corpus.

    Attributes
    ----------
    assignment, function, slug : str
        Where the mistake is and its short name (from the file name).
    path : Path
    description : str
        The docstring's first line.
    names : tuple of str
        Names that describe the mistake correctly (empty: none fits yet).
    undetected : bool
        The author found no check that fails it (kept as a known gap).
    """

    assignment: str
    function: str
    slug: str
    path: Path
    description: str
    names: tuple[str, ...]
    undetected: bool

    @property
    def student(self) -> str:
        """The student id the file is graded under (its stem)."""
        return self.path.stem


def _docstring(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    m = re.match(r'\s*(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', text, re.S)
    return m.group(1) if m else ""


def mistakes(corpus: str = "mistakes") -> list[Mistake]:
    """Every file of ``mistakes/`` (or ``heldout/``), with the right names from its ``names.yaml``."""
    names_file = ROOT / corpus / "names.yaml"
    table = yaml.safe_load(names_file.read_text()) if names_file.exists() else {}
    out = []
    for assignment in ASSIGNMENTS:
        for path in sorted((ROOT / corpus / assignment).glob("*__*.py")):
            function, slug = path.stem.split("__", 1)
            doc = _docstring(path)
            declared = re.search(r"^mistake:\s*(\w+):\s*(\w+)", doc, re.M)
            assert declared and declared.groups() == (function, slug), f"{path}: mistake line"
            names = (table.get(assignment) or {}).get(path.stem) or ()
            out.append(Mistake(assignment, function, slug, path, doc.strip().splitlines()[0],
                               tuple([names] if isinstance(names, str) else names),
                               bool(re.search(r"^undetected:\s*yes", doc, re.M))))
    return out


def correct() -> dict[str, list[Path]]:
    """Correct submissions per assignment: the public-style corpus and the controls."""
    out: dict[str, list[Path]] = {}
    for assignment in ASSIGNMENTS:
        files = sorted((ROOT / "public_style" / assignment).glob("*.py"))
        control = ROOT / "mistakes" / f"_correct_{assignment}.py"
        out[assignment] = files + ([control] if control.exists() else [])
    return out


def grade_file(path: Path, assignment: str, rubric, limits, function: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """Grade one corpus file through the real pipeline (sandbox included).

    Parameters
    ----------
    path : Path
        A ``.py`` file.
    assignment : str
    rubric : grader.rubric.Rubric
    limits : grader.limits.Limits
    function : str, optional
        Grade only this function (a single-mistake file defines only it).

    Returns
    -------
    dict
        The result document.
    """
    from grader.discover import Submission, sha256_file
    from grader.pipeline import grade_submission

    if function is not None:
        rubric = rubric.model_copy(update={"functions": tuple(f for f in rubric.functions if f.name == function)})
    sub = Submission(assignment, path.stem, path, path, "module", sha256_file(path), path.name)
    return grade_submission(sub, rubric, limits)
