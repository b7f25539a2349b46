"""``grade config``: the effective course configuration and where each value came from.

::

    grade config [--config FILE] [--json] [--roster FILE] [--out DIR] [--workers N]
                 [--rubrics DIR] [--limit KEY=VALUE ...]

Without ``--config`` the file is found by
:func:`grader.course.config.find_config` from the current directory. Each
setting is printed with its value and its source: ``default``, the config
file's path, or ``command line`` (the options above override the file, as
they do for ``grade run``). :func:`effective_settings` makes that list;
:func:`command_line_values` and :func:`limit_values` turn a click command's
options into the setting keys it takes, for any command that reads the
course configuration.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import click
from click.core import ParameterSource

from grader.course.config import (
    DEFAULT_OUT,
    AssignmentConfig,
    CourseConfig,
    check_setting_key,
    find_config,
    load_config,
)
from grader.errors import GraderError, UsageError
from grader.limits import TUNABLE, Limits, parse_limit

__all__ = ["NOT_SET", "Setting", "config_command", "command_line_values", "effective_settings", "limit_values",
           "render_table", "setting_keys"]

#: Shown for a value that is not set (the command's own behaviour applies).
NOT_SET = "(not set)"


@dataclass(frozen=True)
class Setting:
    """One effective value and where it came from.

    Attributes
    ----------
    key : str
        Dotted setting key (``limits.memory_mb``).
    value : object
        The value (None: not set, the command's own default applies).
    source : str
        ``"default"``, the config file's path, or ``"command line"``.
    """

    key: str
    value: object
    source: str


def setting_keys(config: CourseConfig) -> list[str]:
    """Every setting key of ``config`` in display order: top level, ``limits.*``, then ``assignments.*``.

    Parameters
    ----------
    config : CourseConfig
        Assignments are listed by the fields given for them.

    Returns
    -------
    list of str
        Dotted keys.
    """
    keys = ["roster", "out", "workers", "rubrics", "term", "anonymise", "similarity_threshold"]
    keys += [f"limits.{key}" for key in TUNABLE]
    for name, entry in config.assignments.items():
        keys += [f"assignments.{name}.{field}" for field in AssignmentConfig.model_fields
                 if field in entry.model_fields_set]
    return keys


def _default(key: str) -> object:
    if key == "out":
        return DEFAULT_OUT
    if key.startswith("limits."):
        return getattr(Limits(), key.removeprefix("limits."))
    field = CourseConfig.model_fields.get(key)
    return None if field is None or field.default_factory is not None else field.default


def _file_value(config: CourseConfig, key: str) -> tuple[bool, object]:
    """(set in the file, value) of ``key``."""
    parts = key.split(".")
    if parts[0] == "limits":
        return parts[1] in config.limits, config.limits.get(parts[1])
    if parts[0] == "assignments":
        entry = config.assignments.get(parts[1])
        if entry is None:
            return False, None
        return parts[2] in entry.model_fields_set, getattr(entry, parts[2])
    return key in config.model_fields_set, getattr(config, key)


def effective_settings(config: CourseConfig, config_path: Path | None,
                       cli_values: Mapping[str, object]) -> list[Setting]:
    """Every setting with its effective value and its source; the command line overrides the file.

    Parameters
    ----------
    config : CourseConfig
        As loaded (:func:`grader.course.config.load_config`), or
        ``CourseConfig()`` without a file.
    config_path : Path or None
        The file it came from (shown as the source of its values).
    cli_values : mapping of str to object
        Values given on the command line by setting key (``"out"``,
        ``"limits.memory_mb"``); None values count as not given.

    Returns
    -------
    list of Setting
        In :func:`setting_keys` order, then any ``assignments.*`` key given
        only on the command line.

    Raises
    ------
    grader.course.config.ConfigError
        If a command-line key is not a setting key.
    """
    keys = setting_keys(config)
    given = {k: v for k, v in cli_values.items() if v is not None}
    for key in given:
        check_setting_key(key)
        if key not in keys:
            keys.append(key)
    settings = []
    for key in keys:
        in_file, value = _file_value(config, key)
        if key in given:
            settings.append(Setting(key, given[key], "command line"))
        elif in_file and config_path is not None:
            settings.append(Setting(key, value, str(config_path)))
        else:
            settings.append(Setting(key, value if in_file else _default(key), "default"))
    return settings


def command_line_values(ctx: click.Context, names: Mapping[str, str]) -> dict[str, object]:
    """The options the user actually gave, by setting key (defaults of the command left out).

    Parameters
    ----------
    ctx : click.Context
        The running command's context (``click.get_current_context()``).
    names : mapping of str to str
        Option parameter name -> setting key, e.g. ``{"memory_mb":
        "limits.memory_mb", "out": "out"}``.

    Returns
    -------
    dict of str to object
        Only options given on the command line (or by environment
        variable), not those left at their default.
    """
    given = {}
    for param, key in names.items():
        source = ctx.get_parameter_source(param)
        if source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
            given[key] = ctx.params[param]
    return given


def limit_values(limit_args: tuple[str, ...]) -> dict[str, object]:
    """``--limit KEY=VALUE`` options by setting key (``limits.KEY``), later ones winning.

    Parameters
    ----------
    limit_args : tuple of str
        The option's values.

    Returns
    -------
    dict of str to int or float

    Raises
    ------
    grader.errors.UsageError
        If one is not a valid limit (:func:`grader.limits.parse_limit`).
    """
    values: dict[str, object] = {}
    for text in limit_args:
        try:
            key, number = parse_limit(text)
        except ValueError as exc:
            raise UsageError(f"--limit {exc}") from None
        values[f"limits.{key}"] = number
    return values


def _plain(value: object) -> object:
    """``value`` as JSON data (paths and dates as text)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _shown(value: object) -> str:
    """``value`` as one cell of the table (TOML spelling for booleans and the empty string)."""
    if value is None:
        return NOT_SET
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return '""'
    return str(_plain(value))


def render_table(settings: list[Setting], config_path: Path | None) -> str:
    """The settings as an aligned three-column table (key, value, source) under a one-line header.

    Parameters
    ----------
    settings : list of Setting
        From :func:`effective_settings`.
    config_path : Path or None
        The file read, named in the header.

    Returns
    -------
    str
        Lines ending in a newline.
    """
    header = (f"Course configuration: {config_path}" if config_path is not None else
              "No course configuration (grader.toml, or [tool.grader] in pyproject.toml) found: defaults only.")
    rows = [("setting", "value", "source"), *((s.key, _shown(s.value), s.source) for s in settings)]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [header, ""]
    for i, (key, value, source) in enumerate(rows):
        lines.append(f"{key:<{widths[0]}}  {value:<{widths[1]}}  {source}".rstrip())
        if i == 0:
            lines.append(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * len('source')}")
    return "\n".join(lines) + "\n"


def _fail(exc: GraderError) -> NoReturn:
    click.echo(f"grade: error: {exc}", err=True)
    sys.exit(exc.exit_code)


#: ``grade config`` option -> setting key (``--limit`` is handled by :func:`limit_values`).
_OPTIONS = {"roster": "roster", "out": "out", "workers": "workers", "rubrics": "rubrics"}


@click.command("config")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Course configuration file (default: grader.toml, or [tool.grader] in pyproject.toml, "
                   "in the current folder or a parent up to the repository root).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: the file read and every setting.")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Roster CSV (overrides the file).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Output folder (overrides the file).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Workers (overrides the file).")
@click.option("--rubrics", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder of rubric files (overrides the file).")
@click.option("--limit", "limit_args", multiple=True, metavar="KEY=VALUE",
              help="A sandbox limit, as for 'grade run' (repeatable; overrides the file).")
@click.pass_context
def config_command(ctx: click.Context, config_path: Path | None, as_json: bool, roster: Path | None,
                   out: Path | None, workers: int | None, rubrics: Path | None, limit_args: tuple[str, ...]) -> None:
    """Print the effective course configuration and where each value came from.

    Sources: default, the configuration file, or the command line (which
    overrides the file, as for 'grade run'). Exit status 2 if the file is
    invalid, with one line per problem naming the key.
    """
    try:
        path = config_path if config_path is not None else find_config(Path.cwd())
        config = load_config(path) if path is not None else CourseConfig()
        cli_values = {**command_line_values(ctx, _OPTIONS), **limit_values(limit_args)}
        settings = effective_settings(config, path, cli_values)
    except GraderError as exc:
        _fail(exc)
    if as_json:
        document = {"config": None if path is None else str(path),
                    "settings": [{"key": s.key, "value": _plain(s.value), "source": s.source} for s in settings]}
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(render_table(settings, path), nl=False)
