"""Build ``autograder.zip``: the two scripts, a source copy of the project, the rubric, the configuration.

Layout of the zip (its root is ``/autograder/source`` on Gradescope)::

    setup.sh  run_autograder          what Gradescope runs (grader.gradescope.scripts)
    gradescope.json                   assignment, sandbox limits, term (grader.gradescope.config)
    constraints.txt                   keeps the CPU torch setup.sh installed
    pyproject.toml  README.md         the project, installable with pip
    grader/  reference/               the package sources (no __pycache__)
    rubrics/<assignment>.yaml         the one rubric graded

A source copy, not a wheel: ``pip install`` of it needs nothing but PyPI,
and ``run_autograder`` puts the same tree first on ``PYTHONPATH``, so the
code that grades is the code in the zip. Entries are sorted and dated
1980-01-01, so the same sources give the same zip.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.errors import UsageError
from grader.gradescope.config import CONFIG_NAME, BundleConfig, config_text
from grader.gradescope.scripts import CONSTRAINTS, RUN_AUTOGRADER, SETUP_SH

__all__ = ["BundleInfo", "build_bundle", "project_root"]

_PACKAGES = ("grader", "reference")
_PROJECT_FILES = ("pyproject.toml", "README.md")
_SKIPPED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BundleInfo:
    """What was written.

    Attributes
    ----------
    path : Path
        The zip file.
    size : int
        Its size in bytes.
    entries : int
        Number of files in it.
    """

    path: Path
    size: int
    entries: int


def project_root() -> Path:
    """The folder holding ``grader/``, ``reference/`` and ``pyproject.toml`` of this checkout."""
    return Path(grader.__file__).resolve().parent.parent


def _tree(root: Path, package: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((root / package).rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not _SKIPPED_DIRS.intersection(rel.parts) and path.suffix not in (".pyc", ".pyo"):
            yield rel.as_posix(), path


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
    zf.writestr(info, data)


def build_bundle(config: BundleConfig, rubric_file: Path, out: Path, root: Path | None = None) -> BundleInfo:
    """Write the Gradescope autograder zip of one assignment.

    Parameters
    ----------
    config : BundleConfig
        The assignment, its sandbox limits and term (written as ``gradescope.json``).
    rubric_file : Path
        The assignment's rubric (validated by the caller); stored as
        ``rubrics/<assignment>.yaml``.
    out : Path
        The zip to write (replaced atomically).
    root : Path, optional
        The project checkout to copy (default: :func:`project_root`).

    Returns
    -------
    BundleInfo

    Raises
    ------
    UsageError
        If a file of the project is missing or the zip cannot be written.
    """
    root = root or project_root()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            _add(zf, "setup.sh", SETUP_SH.encode(), executable=True)
            _add(zf, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
            _add(zf, "constraints.txt", CONSTRAINTS.encode())
            _add(zf, CONFIG_NAME, config_text(config).encode())
            for name in _PROJECT_FILES:
                _add(zf, name, (root / name).read_bytes())
            for package in _PACKAGES:
                for name, path in _tree(root, package):
                    _add(zf, name, path.read_bytes())
            _add(zf, f"rubrics/{config.assignment}.yaml", rubric_file.read_bytes())
            entries = len(zf.infolist())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {out}: {exc.strerror or exc} ({exc.filename or out})") from None
    return BundleInfo(out, out.stat().st_size, entries)
