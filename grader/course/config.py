"""The course configuration: ``grader.toml`` (or ``[tool.grader]`` in ``pyproject.toml``).

One file at the course root holds what stays the same across ``grade`` runs:
the roster, the output and rubric folders, workers, sandbox limits, the
``term`` salt of hidden inputs, anonymisation, and per assignment its due date,
late-work policy and LMS ids. The format is documented in
``docs/course-config.md``. Command-line options override the file
(:func:`apply_command_line`); :func:`grader.commands.config.effective_settings`
lists every value with where it came from (``grade config`` prints it).

A *setting key* is the dotted path of a value (``workers``,
``limits.memory_mb``, ``assignments.hw2.due``); its *source* is
``"default"``, the config file's path, or ``"command line"``.

Relative paths in the file are resolved against the file's folder. Every
error is a :class:`ConfigError` (exit code 2) naming the file and the key
path, e.g. ``grader.toml: assignments.hw2.grace_minuts: unknown key (did you
mean 'grace_minutes'?)``.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import pydantic
from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, ValidationInfo
from typing_extensions import NotRequired, TypedDict

from grader.course.late import LatePolicy
from grader.errors import UsageError
from grader.limits import TUNABLE, Limits, parse_limit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["CONFIG_FILE", "DEFAULT_OUT", "AssignmentConfig", "ConfigError", "CourseConfig", "apply_command_line",
           "check_setting_key", "find_config", "load_config"]

#: Name of the course configuration file.
CONFIG_FILE = "grader.toml"

#: Output folder of ``grade run`` when neither the file nor the command line names one.
DEFAULT_OUT = Path("grade-output")

class ConfigError(UsageError):
    """The course configuration is unusable; the message names the file and the key path."""


def _limit_settings() -> Any:
    """A ``TypedDict``: one optional key per :data:`~grader.limits.TUNABLE` limit, its type, ``parse_limit``'s rules."""
    defaults = Limits()
    fields = {key: NotRequired[Annotated[type(getattr(defaults, key)),
                                         AfterValidator(lambda v, key=key: parse_limit(f"{key}={v}")[1])]]
              for key in TUNABLE}
    settings = cast(Any, TypedDict)("LimitSettings", fields)
    settings.__pydantic_config__ = ConfigDict(extra="forbid")  # unknown limits are errors naming the key
    return settings


if TYPE_CHECKING:
    LimitSettings = dict[str, float | int]
else:
    LimitSettings = _limit_settings()


class AssignmentConfig(pydantic.BaseModel):
    """One assignment's due date, late-work policy and LMS ids (the ``[assignments.NAME]`` table).

    The late-work fields are flat in the table and make a
    :class:`grader.course.late.LatePolicy` (:attr:`late`); ``late_policy`` is
    its ``policy``.

    Attributes
    ----------
    title : str or None
        Display name ("Denoising diffusion").
    due : datetime or None
        Due date with a time zone; without it the assignment has no late work
        and the other late-work fields are errors.
    grace_minutes, late_policy, per_day, cap, cutoff
        As in :class:`~grader.course.late.LatePolicy` (``late_policy`` is its
        ``policy``); unset means that class's default.
    canvas_id : str or None
        Canvas assignment id (numbers are accepted and kept as text).
    moodle_item : str or None
        Moodle grade item name or idnumber.
    blackboard_column : str or None
        Blackboard Grade Center column name.

    Raises
    ------
    pydantic.ValidationError
        On an unknown key, a bad value or an inconsistent late-work policy.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    title: str | None = None
    due: AwareDatetime | None = None
    grace_minutes: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    late_policy: Literal["none", "per_day", "zero_after"] | None = None
    per_day: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    cap: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    cutoff: AwareDatetime | None = None
    canvas_id: str | None = None
    moodle_item: str | None = None
    blackboard_column: str | None = None

    @property
    def late(self) -> LatePolicy | None:
        """The late-work policy, or None without a due date (never raises: checked at validation)."""
        if self.due is None:
            return None
        fields: dict[str, Any] = {"due": self.due, "grace_minutes": self.grace_minutes, "policy": self.late_policy,
                                  "per_day": self.per_day, "cap": self.cap, "cutoff": self.cutoff}
        return LatePolicy.model_validate({k: v for k, v in fields.items() if v is not None})

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> AssignmentConfig:
        if self.due is None:
            given = [k for k in ("grace_minutes", "late_policy", "per_day", "cap", "cutoff")
                     if getattr(self, k) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} needs a due date: add due = <ISO 8601 date with time zone>")
            return self
        try:
            self.late  # noqa: B018 - validates the combination
        except pydantic.ValidationError as exc:
            text = "; ".join(_message(e) for e in exc.errors())
            raise ValueError(text.replace("policy '", "late_policy '")) from None
        return self


class CourseConfig(pydantic.BaseModel):
    """The course configuration (validated, frozen); every field is optional.

    Attributes
    ----------
    roster : Path or None
        Roster CSV (:func:`grader.course.roster.load_roster`).
    out : Path or None
        Output folder of ``grade run`` (default :data:`DEFAULT_OUT`).
    workers : int or None
        Submissions graded at once (>= 1; default: the CPUs available).
    rubrics : Path or None
        Folder of rubric files (default: the project's ``rubrics/``).
    limits : dict of str to int or float
        Sandbox limits by :data:`grader.limits.TUNABLE` name, of the limit's
        type and with :func:`grader.limits.parse_limit`'s rules; only those
        given (the rest keep :class:`grader.limits.Limits`' defaults).
    term : str
        Salt mixed into the seed of every hidden check's inputs, so hidden
        inputs change between course years ("" keeps the unsalted seeds).
    anonymise : bool
        Hide student identities in reports and exports.
    similarity_threshold : float or None
        Similarity (0..1) above which two submissions are flagged.
    assignments : dict of str to AssignmentConfig
        Per assignment name (``hw2``).

    Raises
    ------
    pydantic.ValidationError
        On an unknown key or a bad value (:func:`load_config` turns it into a
        :class:`ConfigError`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    roster: Path | None = None
    out: Path | None = None
    workers: int | None = Field(default=None, ge=1)
    rubrics: Path | None = None
    limits: LimitSettings = Field(default_factory=dict)
    term: str = ""
    anonymise: bool = Field(default=False, strict=True)
    similarity_threshold: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    assignments: dict[str, AssignmentConfig] = Field(default_factory=dict)

    @pydantic.field_validator("roster", "out", "rubrics", mode="after")
    @classmethod
    def _resolve(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        base = info.context.get("base") if isinstance(info.context, dict) else None
        if value is None:
            return None
        value = value.expanduser()
        return value if value.is_absolute() or base is None else Path(base) / value

    def late_policy(self, assignment: str) -> LatePolicy | None:
        """The late-work policy of ``assignment`` (None if it has no due date here).

        Parameters
        ----------
        assignment : str
            Assignment name (``hw2``), looked up in ``[assignments.<assignment>]``.

        Returns
        -------
        LatePolicy or None
        """
        entry = self.assignments.get(assignment)
        return entry.late if entry is not None else None

    @property
    def late_policies(self) -> dict[str, LatePolicy]:
        """Assignment -> late-work policy, for those with a due date (``grader.pipeline.run(late_policies=)``)."""
        return {name: entry.late for name, entry in self.assignments.items() if entry.late is not None}


def _message(error: Mapping[str, Any]) -> str:
    text = str(error["msg"])
    return text.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _known_keys(loc: Sequence[str]) -> Sequence[str]:
    """The keys allowed at the level of ``loc``'s last part (for a did-you-mean)."""
    if len(loc) == 1:
        return list(CourseConfig.model_fields)
    if len(loc) == 2 and loc[0] == "limits":
        return TUNABLE
    if len(loc) == 3 and loc[0] == "assignments":
        return list(AssignmentConfig.model_fields)
    return []


def _describe(exc: pydantic.ValidationError, where: str, prefix: Sequence[str] = ()) -> str:
    """One line per error: ``<where>: <key path>: <problem>``."""
    lines = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        key = ".".join([*prefix, *loc]) or "(top level)"
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(loc[-1], _known_keys(loc), n=1)
            problem = "unknown key" + (f" (did you mean {close[0]!r}?)" if close else "")
        else:
            value = error.get("input")
            shown = "" if isinstance(value, (dict, list)) or error["type"] == "value_error" else f" (got {value!r})"
            problem = _message(error) + shown
        lines.append(f"{where}: {key}: {problem}")
    return "\n".join(lines)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the course configuration: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _grader_table(data: dict[str, Any]) -> Any:
    """The ``[tool.grader]`` table of a parsed ``pyproject.toml`` (None if absent)."""
    tool = data.get("tool")
    return tool.get("grader") if isinstance(tool, dict) else None


def find_config(start: Path) -> Path | None:
    """The course configuration that applies to ``start``.

    Looks in ``start`` (its folder, if a file) and then each parent, and
    stops after a folder holding ``.git`` (the repository root) or at the
    filesystem root. In each folder, ``grader.toml`` is taken first, then a
    ``pyproject.toml`` that has a ``[tool.grader]`` table; the nearest
    folder with either wins.

    Parameters
    ----------
    start : Path
        Where to start (usually the current directory).

    Returns
    -------
    Path or None
        The file, or None if there is none.

    Raises
    ------
    ConfigError
        If a ``pyproject.toml`` on the way cannot be parsed.
    """
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate / CONFIG_FILE
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _grader_table(_read_toml(pyproject)) is not None:
            return pyproject
        if (candidate / ".git").exists():
            return None
    return None


def load_config(path: Path) -> CourseConfig:
    """Read and validate a ``grader.toml`` or the ``[tool.grader]`` table of a ``pyproject.toml``.

    Parameters
    ----------
    path : Path
        The file; a file named ``pyproject.toml`` is read from its
        ``[tool.grader]`` table, any other as a whole.

    Returns
    -------
    CourseConfig
        With relative paths resolved against ``path``'s folder.

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed, a ``pyproject.toml`` has no
        ``[tool.grader]`` table, or a key is unknown or a value bad (one line
        per problem, each naming the file and the key path).
    """
    data: Any = _read_toml(path)
    prefix: tuple[str, ...] = ()
    if path.name == "pyproject.toml":
        data, prefix = _grader_table(data), ("tool", "grader")
        if data is None:
            raise ConfigError(f"{path}: no [tool.grader] table")
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: tool.grader: expected a table, got {data!r}")
    try:
        return CourseConfig.model_validate(data, context={"base": path.resolve().parent})
    except pydantic.ValidationError as exc:
        raise ConfigError(_describe(exc, str(path), prefix)) from None


def check_setting_key(key: str) -> None:
    """Check that ``key`` is a setting key (``out``, ``limits.memory_mb``, ``assignments.hw2.due``).

    Parameters
    ----------
    key : str
        Dotted key.

    Raises
    ------
    ConfigError
        If it is not one, naming it.
    """
    parts = key.split(".")
    top = len(parts) == 1 and parts[0] in CourseConfig.model_fields and parts[0] not in ("limits", "assignments")
    limit = len(parts) == 2 and parts[0] == "limits" and parts[1] in TUNABLE
    assignment = len(parts) == 3 and parts[0] == "assignments" and parts[2] in AssignmentConfig.model_fields
    if not (top or limit or assignment):
        raise ConfigError(f"command line: {key!r} is not a setting of the course configuration")


def apply_command_line(config: CourseConfig, cli_values: Mapping[str, object]) -> CourseConfig:
    """``config`` with the values given on the command line in place of the file's.

    Parameters
    ----------
    config : CourseConfig
        As loaded.
    cli_values : mapping of str to object
        By setting key (``"out"``, ``"limits.memory_mb"``); None values count
        as not given. Relative paths stay relative to the current directory.

    Returns
    -------
    CourseConfig
        A new, validated configuration.

    Raises
    ------
    ConfigError
        If a key is not a setting key or a value is invalid.
    """
    data: dict[str, Any] = config.model_dump(exclude_unset=True)
    for key, value in cli_values.items():
        if value is None:
            continue
        check_setting_key(key)
        parts = key.split(".")
        target = data
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    try:
        return CourseConfig.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ConfigError(_describe(exc, "command line")) from None

