"""The student's upload in ``$AUTOGRADER_ROOT/submission/``, as a :class:`~grader.discover.Submission`.

Gradescope puts whatever the student uploaded there, under the name it had:
one module, one notebook, or a folder (or several files) holding one of
them. Exactly one ``.py`` or ``.ipynb`` file, anywhere below the folder
(hidden entries, ``__pycache__`` and ``.ipynb_checkpoints`` left out), is
graded. More than one, none, or a symbolic link pointing outside the
folder gives a submission with ``error`` set, which grades to 0 with that
message, like :func:`grader.discover.discover` does for a class folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from grader.discover import Submission, sha256_file

__all__ = ["find_submission"]

_CODE_SUFFIXES = (".py", ".ipynb")
_IGNORED = {"__pycache__", ".ipynb_checkpoints"}


def _candidates(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(p.startswith(".") or p in _IGNORED for p in parts):
            continue
        if path.suffix in _CODE_SUFFIXES and (path.is_file() or path.is_symlink()):
            found.append(path)
    return found


def _outside(path: Path, folder: Path) -> bool:
    try:
        return not path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return True


def find_submission(folder: Path, assignment: str, student: str) -> Submission:
    """The one module or notebook the student uploaded.

    Parameters
    ----------
    folder : Path
        ``$AUTOGRADER_ROOT/submission``.
    assignment : str
        The bundle's assignment.
    student : str
        The student id (from the metadata).

    Returns
    -------
    Submission
        ``kind`` is ``module`` or ``notebook`` for a file at the top of the
        folder, ``package`` for one inside a sub-folder; ``error`` is set
        (and ``source`` is None) when there is not exactly one usable file.
    """
    if not folder.is_dir():
        return Submission(assignment, student, folder, None, "package", "", "",
                          "no submission folder was found (nothing was uploaded)")
    files = _candidates(folder)
    if len(files) != 1:
        names = ", ".join(str(p.relative_to(folder)) for p in files[:10])
        error = ("the submission holds no .py or .ipynb file; upload your module or notebook" if not files else
                 f"the submission holds {len(files)} code files ({names}); upload exactly one .py or .ipynb")
        return Submission(assignment, student, folder, None, "package", "", "", error)
    source = files[0]
    rel = str(source.relative_to(folder))
    kind: Literal["module", "notebook", "package"] = (
        "package" if source.parent != folder else "module" if source.suffix == ".py" else "notebook")
    if source.is_symlink() and _outside(source, folder):
        return Submission(assignment, student, source, None, kind, "", rel,
                          "the submission is a symbolic link pointing outside the submission; upload the file itself")
    try:
        digest = sha256_file(source)
    except OSError as exc:
        return Submission(assignment, student, source, None, kind, "", rel, f"the file {rel} cannot be read: {exc}")
    return Submission(assignment, student, source, source, kind, digest, rel)
