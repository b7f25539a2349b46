"""The code of a submission as one text, for comparing submissions with one another.

A module is its source; a notebook is its code cells joined in order, each
after a comment naming the cell (``# [cell 4]``), with IPython magics and
shell lines already neutralised by :func:`grader.load.load_source`; a
folder submission is the module or notebook it holds, read the same way.
Comments are dropped by the tokeniser before fingerprints are taken, so the
cell markers help the reader of a pair page without changing a similarity.

A submission that cannot be read (discovery's ``error``, or a
:class:`~grader.errors.LoadError`) is skipped with the reason; nothing
here runs student code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from grader.discover import Submission
from grader.errors import LoadError
from grader.handout import handout_text
from grader.load import load_source
from grader.rubric import Rubric

__all__ = ["Extraction", "extract_codes", "handout_code", "submission_code"]


@dataclass(frozen=True)
class Extraction:
    """The code of every readable submission of one assignment, and why the others were skipped.

    Attributes
    ----------
    codes : dict of str to str
        Student id to the submission's code (see :func:`submission_code`).
    skipped : dict of str to str
        Student id to the reason the submission was not compared.
    """

    codes: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def submission_code(submission: Submission) -> str:
    """The code of one submission as one text.

    Parameters
    ----------
    submission : Submission
        A module, notebook or folder found by :func:`grader.discover.discover`.

    Returns
    -------
    str
        A module's source (decoded as ``import`` does); a notebook's code
        cells, IPython syntax neutralised, each after a ``# [cell N]``
        comment, separated by a blank line.

    Raises
    ------
    LoadError
        If discovery already found the submission unusable (its ``error``),
        or the file cannot be read as source (see :func:`grader.load.load_source`).
    """
    if submission.error is not None or submission.source is None:
        raise LoadError(submission.error or "no module or notebook was found")
    loaded = load_source(submission.source)
    if loaded.cells is None:
        return "\n\n".join(unit.source for unit in loaded.units)
    return "\n\n".join(f"# [{unit.label}]\n{unit.source.rstrip()}" for unit in loaded.units) + "\n"


def extract_codes(submissions: Iterable[Submission]) -> Extraction:
    """The code of each submission, skipping (with the reason) those that cannot be read.

    Parameters
    ----------
    submissions : iterable of Submission
        One per student (ids must differ).

    Returns
    -------
    Extraction
        ``codes`` and ``skipped``, keyed by student id. A submission whose
        code is only whitespace is skipped too.

    Raises
    ------
    ValueError
        If two submissions have the same student id.
    """
    found = Extraction()
    for sub in submissions:
        if sub.student in found.codes or sub.student in found.skipped:
            raise ValueError(f"two submissions for student {sub.student!r}; pass one per student")
        try:
            code = submission_code(sub)
        except LoadError as exc:
            found.skipped[sub.student] = str(exc)
            continue
        if not code.strip():
            found.skipped[sub.student] = "the submission holds no code"
            continue
        found.codes[sub.student] = code
    return found


def handout_code(rubric: Rubric) -> str:
    """The assignment's handout (the student template) as ``.py`` text, to use as boilerplate.

    Parameters
    ----------
    rubric : Rubric
        The assignment's rubric (:func:`grader.rubric.load_rubrics`).

    Returns
    -------
    str
        :func:`grader.handout.handout_text` of the rubric: imports, one stub
        per function with its signature and docstring.
    """
    return handout_text(rubric)
