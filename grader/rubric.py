"""Rubrics: one YAML file per assignment, validated into frozen models.

A rubric is data: the functions of the assignment with their points and
checks, and the manual (written) items. Example::

    assignment: hw2
    title: "Homework 2: DDPM, DDIM, DSM near t = 0, attention"
    source: seeds/000_ff2b2f8a8d165fc7.txt
    reference: reference.hw2
    functions:
      - name: ddpm_posterior
        points: 10
        returns: [mean, var]
        checks:
          - name: edge times
            kind: elementwise
            visibility: public
            points: 4
            case: ddpm_posterior
            configs: [{N: 1, d: 2, T: 10, t: 1}, {N: 4, d: 3, T: 10, t: 10}]
    manual:
      - item: p1_proof
        title: "Problem 1: the posterior q(x_{t-1} | x_t, x_0)"
        points: 10

Unknown keys are errors that name the file and the key. Check kinds and case
generators are looked up in their registries when the rubric is loaded, so a
typo fails before any student code runs.
"""

from __future__ import annotations

import hashlib
import importlib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from grader.errors import RubricError

__all__ = ["Check", "FunctionRubric", "ManualItem", "Rubric", "load_rubric", "load_rubrics",
           "check_registries", "default_rubrics_dir", "public_only", "with_term"]

#: PyYAML's safe loader, in its libyaml (C) build where the wheel has it: the same
#: documents, about 5x faster, so every ``grade`` command starts sooner.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Frozen):
    """One scored check of a function."""

    name: str = Field(description="Shown to the student; unique within the function.")
    kind: str = Field(description="Key of grader.judge.kinds.CHECK_KINDS.")
    points: float = Field(gt=0, description="Points of this check; partial credit within it.")
    visibility: Literal["public", "hidden"] = Field(
        "hidden", description="Public inputs are the same for everyone and shown; hidden ones "
        "are drawn per student and not shown.")
    case: str | None = Field(None, description="Input generator (grader.cases.CASES key).")
    configs: tuple[dict[str, Any], ...] = Field(
        ({},), description="One sandbox call per config; each config parameterises the case.")
    rtol: float = Field(1e-8, ge=0, description="Relative tolerance of elementwise comparison "
                         "(tight: a wrong formula can be within 1e-6 of the right one, e.g. "
                         "beta_t vs beta_tilde_t at large t).")
    atol: float = Field(1e-10, ge=0, description="Absolute tolerance of elementwise comparison.")
    float32: bool = Field(True, description="Also accept float32-level accuracy (float32 "
                          "intermediates, stabilising epsilons <= 1e-8) with a note, as the "
                          "contract's conventions say; false for exact results (counts).")
    float32_rtol: float | None = Field(None, ge=0, description="Relative tolerance of the float32 "
                                       "tier (default grader.judge.float32.FLOAT32_RTOL).")
    float32_atol: float | None = Field(None, ge=0, description="Absolute floor of the float32 "
                                       "tier (default grader.judge.float32.FLOAT32_ATOL).")
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="Extra parameters of statistical/property kinds.")
    timeout: float | None = Field(None, gt=0, description="Per-call wall limit overriding --timeout.")


class FunctionRubric(_Frozen):
    """A contract function: its points and its checks."""

    name: str
    points: float = Field(gt=0)
    returns: tuple[str, ...] | None = Field(
        None, description="Names of the components of a tuple return value.")
    checks: tuple[Check, ...]

    @model_validator(mode="after")
    def _points_add_up(self) -> FunctionRubric:
        total = sum(c.points for c in self.checks)
        if abs(total - self.points) > 1e-9:
            raise ValueError(f"checks of {self.name} add up to {total:g} points, not {self.points:g}")
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError(f"check names of {self.name} are not unique: {names}")
        return self


class ManualItem(_Frozen):
    """A written part graded by people (proof, short answer)."""

    item: str
    title: str
    points: float = Field(gt=0)


class Rubric(_Frozen):
    """A whole assignment."""

    assignment: str
    title: str
    source: str = Field(description="The problem set this assignment comes from.")
    reference: str = Field(description="Module exposing the reference functions.")
    functions: tuple[FunctionRubric, ...]
    manual: tuple[ManualItem, ...] = ()
    sha256: str = Field("", description="Hash of the rubric file (filled in by load_rubric), "
                                        "with the term salt mixed in when one is set (with_term).")
    term: str = Field("", description="The course's term salt of hidden inputs (with_term); '' = none.")

    @property
    def max_score(self) -> float:
        """Points of all functions (manual items excluded)."""
        return sum(f.points for f in self.functions)

    @property
    def function_names(self) -> list[str]:
        """Function names in rubric order."""
        return [f.name for f in self.functions]

    @cached_property
    def reference_module(self) -> Any:
        """The imported reference module (grader side only)."""
        return importlib.import_module(self.reference)

    def reference_function(self, name: str) -> Any:
        """The reference implementation of ``name``."""
        return getattr(self.reference_module, name)

    def __getstate__(self) -> dict[Any, Any]:
        """The pickled state: the rubric's data, without the cached reference module.

        A used rubric caches its imported module (:attr:`reference_module`),
        which cannot be pickled; the copy re-imports it by name when it is
        first needed, so a rubric can travel to another process (a Dask task).
        """
        state = super().__getstate__()
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k != "reference_module"}
        return state


def with_term(rubric: Rubric, term: str) -> Rubric:
    """The rubric whose hidden checks draw their inputs with the course's ``term`` salt.

    The course configuration's ``term`` (``grader.toml``) changes every hidden
    input between course years while public inputs stay those students see
    (:meth:`grader.judge.checks.CheckContext.seed`). The salted rubric's
    ``sha256`` mixes in the term, so results graded under another term are
    out of date (regraded) and documents record which inputs graded them.

    Parameters
    ----------
    rubric : Rubric
        As loaded by :func:`load_rubric`.
    term : str
        The salt; ``""`` returns ``rubric`` unchanged (today's inputs).

    Returns
    -------
    Rubric
    """
    if not term:
        return rubric
    salted = hashlib.sha256(f"{rubric.sha256}\x1fterm\x1f{term}".encode()).hexdigest()
    return rubric.model_copy(update={"term": term, "sha256": salted})


def public_only(rubric: Rubric) -> Rubric:
    """The rubric restricted to its public checks (for students' self-checks).

    Functions without public checks are dropped; points become the public points.
    """
    functions = []
    for fn in rubric.functions:
        checks = tuple(c for c in fn.checks if c.visibility == "public")
        if checks:
            functions.append(fn.model_copy(update={"checks": checks,
                                                   "points": sum(c.points for c in checks)}))
    return rubric.model_copy(update={"functions": tuple(functions), "manual": ()})


def default_rubrics_dir() -> Path:
    """The project's ``rubrics/`` folder (next to the ``grader`` package)."""
    return Path(__file__).resolve().parent.parent / "rubrics"


def _validate_registries(rubric: Rubric, path: Path) -> None:
    from grader.cases import CASES
    from grader.judge.kinds import CHECK_KINDS

    try:
        module = importlib.import_module(rubric.reference)
    except ImportError as exc:
        raise RubricError(f"{path}: reference module {rubric.reference!r} cannot be imported: {exc}") from None
    for fn in rubric.functions:
        if not callable(getattr(module, fn.name, None)):
            raise RubricError(f"{path}: function {fn.name!r} has no reference in {rubric.reference}")
        for check in fn.checks:
            where = f"{path}: {fn.name} / {check.name!r}"
            kind = CHECK_KINDS.get(check.kind)
            if kind is None:
                raise RubricError(f"{where}: unknown check kind {check.kind!r}; known: "
                                  f"{', '.join(sorted(CHECK_KINDS))}")
            if kind.needs_case and check.case not in CASES:
                raise RubricError(f"{where}: unknown case {check.case!r}")
            _validate_check(kind, check, where)


def _validate_check(kind: Any, check: Check, where: str) -> None:
    """The kind's own validation of a check: its params model and preconditions on the configs."""
    try:
        kind.validate(check)
    except ValidationError as exc:
        lines = [f"  params.{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise RubricError(f"{where}: invalid params of kind {check.kind!r}\n" + "\n".join(lines)) from None
    except ValueError as exc:
        raise RubricError(f"{where}: {exc}") from None


def load_rubric(path: Path, registries: bool = True) -> Rubric:
    """Read and validate one rubric file.

    Parameters
    ----------
    path : Path
        A ``.yaml`` file.
    registries : bool, optional
        Also check what it names against the check kinds, cases and its
        reference module (:func:`check_registries`: imports torch and the
        reference, about one ``import torch``); False leaves that to a later
        :func:`check_registries`.

    Returns
    -------
    Rubric

    Raises
    ------
    RubricError
        If the file is not valid YAML, has unknown or missing keys, points
        that do not add up, or names a check kind, case or reference
        function that does not exist.
    """
    path = Path(path)
    raw = path.read_bytes()
    try:
        data = yaml.load(raw, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, libyaml's when built
    except yaml.YAMLError as exc:
        raise RubricError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RubricError(f"{path}: expected a mapping at top level")
    try:
        rubric = Rubric(**data, sha256=hashlib.sha256(raw).hexdigest())
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"])
            lines.append(f"  {loc}: {err['msg']}")
        raise RubricError(f"{path}: invalid rubric\n" + "\n".join(lines)) from None
    if rubric.assignment != path.stem:
        raise RubricError(f"{path}: assignment {rubric.assignment!r} does not match the file name")
    if registries:
        _validate_registries(rubric, path)
    return rubric


def load_rubrics(folder: Path | None = None, registries: bool = True) -> dict[str, Rubric]:
    """Load every ``*.yaml`` rubric of a folder, keyed by assignment.

    Parameters
    ----------
    folder : Path, optional
        Default: :func:`default_rubrics_dir`.
    registries : bool, optional
        As :func:`load_rubric`'s.

    Raises
    ------
    RubricError
        If any rubric is invalid, or the folder holds none.
    """
    folder = Path(folder) if folder is not None else default_rubrics_dir()
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise RubricError(f"no rubrics (*.yaml) in {folder}")
    return {p.stem: load_rubric(p, registries) for p in paths}


def check_registries(rubrics: dict[str, Rubric], folder: Path | None = None) -> None:
    """What :func:`load_rubrics` with ``registries=False`` left unchecked: check kinds, cases, references.

    ``grade run`` loads its rubrics without this so that the sandbox can
    start importing torch while the grader does it here (see
    :func:`grader.pipeline.run`).

    Parameters
    ----------
    rubrics : dict
        Assignment -> rubric, as loaded from ``folder``.
    folder : Path, optional
        Their folder, for the messages (default: :func:`default_rubrics_dir`).

    Raises
    ------
    RubricError
        As :func:`load_rubric`: a check kind, case or reference function that does not exist.
    """
    folder = Path(folder) if folder is not None else default_rubrics_dir()
    for name, rubric in rubrics.items():
        _validate_registries(rubric, folder / f"{name}.yaml")
