"""The course configuration: loading, errors naming the key, relative paths, precedence, the term salt."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from grader.commands.config import command_line_values, config_command, effective_settings, limit_values
from grader.course.config import (
    DEFAULT_OUT,
    ConfigError,
    CourseConfig,
    apply_command_line,
    check_setting_key,
    find_config,
    load_config,
)
from grader.errors import UsageError
from grader.judge.checks import CheckContext
from grader.judge.planning import plan_configs
from grader.limits import TUNABLE
from grader.rubric import load_rubrics

FULL = """\
roster = "roster.csv"
out = "out"
workers = 4
rubrics = "rubrics"
term = "2026-fall"
anonymise = true
similarity_threshold = 0.9

[limits]
memory_mb = 2048
call_timeout = 2.5
fork_server = 1

[assignments.hw2]
title = "Denoising diffusion"
due = 2026-10-01T23:59:00-04:00
grace_minutes = 15
late_policy = "per_day"
per_day = 0.1
cap = 0.5
cutoff = "2026-10-08T23:59:00-04:00"
canvas_id = 12345
moodle_item = "HW2"
blackboard_column = "Homework 2"

[assignments.hw3]
due = 2026-10-15T17:00:00Z
late_policy = "zero_after"
"""


def _write(folder: Path, text: str, name: str = "grader.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.exit_code == 2 and isinstance(info.value, UsageError)
    return str(info.value)


def test_full_file(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL))
    assert config.roster == tmp_path / "roster.csv" and config.out == tmp_path / "out"
    assert config.rubrics == tmp_path / "rubrics"
    assert (config.workers, config.term, config.anonymise, config.similarity_threshold) == (4, "2026-fall", True, 0.9)
    assert config.limits == {"memory_mb": 2048, "call_timeout": 2.5, "fork_server": 1}
    hw2 = config.assignments["hw2"]
    assert (hw2.title, hw2.canvas_id, hw2.moodle_item, hw2.blackboard_column) == (
        "Denoising diffusion", "12345", "HW2", "Homework 2")
    late = config.late_policy("hw2")
    assert late is not None and late.policy == "per_day" and late.per_day == 0.1 and late.cap == 0.5
    assert late.grace_minutes == 15 and late.due == datetime(2026, 10, 1, 23, 59, tzinfo=timezone(timedelta(hours=-4)))
    assert late.cutoff == late.due + timedelta(days=7)
    hw3 = config.late_policy("hw3")
    assert hw3 is not None and hw3.policy == "zero_after" and hw3.due.utcoffset() == timedelta(0)
    assert config.late_policy("hw1") is None
    assert config.late_policies == {"hw2": late, "hw3": hw3}


def test_empty_file_is_all_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, ""))
    assert config == CourseConfig() and config.term == "" and config.limits == {} and config.late_policy("hw2") is None


def test_assignment_without_due_has_no_policy(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, '[assignments.hw1]\ncanvas_id = "77"\n'))
    assert config.assignments["hw1"].late is None and config.assignments["hw1"].canvas_id == "77"
    assert config.late_policies == {}


def test_relative_and_absolute_paths(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "r.csv"
    config = load_config(_write(tmp_path / "course", f'roster = "{elsewhere}"\nout = "../results"\nrubrics = "r"\n'))
    assert config.roster == elsewhere
    assert config.out == tmp_path / "course" / ".." / "results"
    assert config.rubrics == tmp_path / "course" / "r"
    # built in Python (no file), a relative path stays relative to the current directory
    assert CourseConfig(out=Path("x")).out == Path("x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("wokers = 3\n", "grader.toml: wokers: unknown key (did you mean 'workers'?)"),
        ("[limits]\nmemry_mb = 3\n", "grader.toml: limits.memry_mb: unknown key (did you mean 'memory_mb'?)"),
        ("[assignments.hw2]\ndue = 2026-10-01T23:59:00Z\ngrace_minuts = 15\n",
         "grader.toml: assignments.hw2.grace_minuts: unknown key (did you mean 'grace_minutes'?)"),
        ("zzz = 1\n", "grader.toml: zzz: unknown key"),
    ],
)
def test_unknown_keys_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    assert message in _error(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("workers = 0\n", "workers: Input should be greater than or equal to 1"),
        ('anonymise = "yes"\n', "anonymise: Input should be a valid boolean"),
        ("similarity_threshold = 1.5\n", "similarity_threshold: Input should be less than or equal to 1"),
        ("[limits]\ncpu_seconds = 0\n", "limits.cpu_seconds: 'cpu_seconds=0': the limit must be positive"),
        ("[limits]\nfork_server = 2\n", "limits.fork_server: 'fork_server=2': fork_server is 0 or 1"),
        ('[limits]\nfile_mb = "big"\n', "limits.file_mb: Input should be a valid integer"),
        ("[assignments.hw2]\ndue = 2026-10-01T23:59:00\n", "assignments.hw2.due: Input should have timezone info"),
        ('[assignments.hw2]\ndue = "tomorrow"\n', "assignments.hw2.due: Input should be a valid datetime"),
        ("[assignments.hw2]\ngrace_minutes = 5\n", "assignments.hw2: grace_minutes needs a due date"),
        ('[assignments.hw2]\ndue = 2026-10-01T23:59:00Z\nlate_policy = "per_day"\n',
         "assignments.hw2: late_policy 'per_day' needs per_day > 0"),
        ('[assignments.hw2]\ndue = 2026-10-01T23:59:00Z\nlate_policy = "weekly"\n', "assignments.hw2.late_policy:"),
        ("[assignments.hw2]\ndue = 2026-10-01T23:59:00Z\ncap = 0.5\n", "cap=0.5 is only used with late_policy"),
        ("[assignments.hw2]\ndue = 2026-10-01T23:59:00Z\ngrace_minutes = -1\n", "assignments.hw2.grace_minutes:"),
        ("assignments = 3\n", "assignments: Input should be a valid dictionary"),
        ("workers = \n", "grader.toml: invalid TOML"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    assert message in _error(_write(tmp_path, text))


def test_every_problem_is_reported(tmp_path: Path) -> None:
    lines = _error(_write(tmp_path, "wokers = 3\nworkers = 0\n")).splitlines()
    assert len(lines) == 2 and all(line.startswith(str(tmp_path / "grader.toml")) for line in lines)


def test_pyproject_tool_grader(tmp_path: Path) -> None:
    path = _write(tmp_path, '[project]\nname = "course"\n[tool.grader]\nroster = "r.csv"\n[tool.grader.limits]\n'
                  "memory_mb = 1024\n", "pyproject.toml")
    config = load_config(path)
    assert config.roster == tmp_path / "r.csv" and config.limits == {"memory_mb": 1024}
    _write(tmp_path, "[tool.grader]\nwokers = 2\n", "pyproject.toml")
    assert "pyproject.toml: tool.grader.wokers: unknown key" in _error(path)
    _write(tmp_path, '[project]\nname = "course"\n', "pyproject.toml")
    assert "no [tool.grader] table" in _error(path)


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot read" in _error(tmp_path / "grader.toml")


def test_find_config(tmp_path: Path) -> None:
    deep = tmp_path / "repo" / "course" / "submissions" / "hw2"
    deep.mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir()
    _write(tmp_path, "workers = 1\n")  # above the repository root: never found
    assert find_config(deep) is None
    _write(tmp_path / "repo", '[project]\nname = "x"\n', "pyproject.toml")  # no [tool.grader]: not a config
    assert find_config(deep) is None
    _write(tmp_path / "repo", "[tool.grader]\nworkers = 2\n", "pyproject.toml")
    assert find_config(deep) == tmp_path / "repo" / "pyproject.toml"
    course = _write(tmp_path / "repo" / "course", "workers = 3\n")
    assert find_config(deep) == course  # nearest folder wins
    assert find_config(course) == course  # a file: its folder
    _write(tmp_path / "repo" / "course", "[tool.grader]\nworkers = 4\n", "pyproject.toml")
    assert find_config(deep) == course  # grader.toml before pyproject.toml in one folder


def test_command_line_overrides_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, FULL)
    config = load_config(path)
    cli = {"workers": 8, "limits.memory_mb": 4096, "out": None, "limits.cpu_seconds": 30}
    settings = {s.key: s for s in effective_settings(config, path, cli)}
    assert (settings["workers"].value, settings["workers"].source) == (8, "command line")
    assert (settings["limits.memory_mb"].value, settings["limits.memory_mb"].source) == (4096, "command line")
    assert (settings["limits.cpu_seconds"].value, settings["limits.cpu_seconds"].source) == (30, "command line")
    assert (settings["out"].value, settings["out"].source) == (tmp_path / "out", str(path))  # None: not given
    assert (settings["limits.call_timeout"].value, settings["limits.call_timeout"].source) == (2.5, str(path))
    assert (settings["limits.processes"].value, settings["limits.processes"].source) == (64, "default")
    assert settings["assignments.hw2.per_day"].value == 0.1
    assert "assignments.hw3.per_day" not in settings  # only the fields given are listed
    assert {f"limits.{k}" for k in TUNABLE} <= set(settings)
    merged = apply_command_line(config, cli)
    assert merged.workers == 8 and merged.limits["memory_mb"] == 4096 and merged.limits["call_timeout"] == 2.5
    assert merged.out == tmp_path / "out" and merged.assignments == config.assignments and merged.term == config.term


def test_defaults_without_a_file() -> None:
    settings = {s.key: s for s in effective_settings(CourseConfig(), None, {})}
    assert all(s.source == "default" for s in settings.values())
    assert settings["out"].value == DEFAULT_OUT and settings["workers"].value is None
    assert settings["term"].value == "" and settings["limits.memory_mb"].value == 4096


def test_bad_command_line_values() -> None:
    with pytest.raises(ConfigError, match="'wokers' is not a setting"):
        effective_settings(CourseConfig(), None, {"wokers": 3})
    with pytest.raises(ConfigError, match="limits.nope"):
        check_setting_key("limits.nope")
    check_setting_key("assignments.hw9.due")
    with pytest.raises(ConfigError, match="command line: workers: Input should be greater than or equal to 1"):
        apply_command_line(CourseConfig(), {"workers": 0})
    with pytest.raises(UsageError, match="--limit"):
        limit_values(("memory_mb=lots",))
    assert limit_values(("memory-mb=100", "memory_mb=200")) == {"limits.memory_mb": 200}


def test_command_line_values_leave_out_defaults() -> None:
    import click

    seen: dict[str, object] = {}

    @click.command()
    @click.option("--memory-mb", type=int, default=4096)
    @click.option("--out", default="grade-output")
    @click.pass_context
    def command(ctx: click.Context, memory_mb: int, out: str) -> None:
        seen.update(command_line_values(ctx, {"memory_mb": "limits.memory_mb", "out": "out"}))

    assert CliRunner().invoke(command, ["--memory-mb", "4096"]).exit_code == 0
    assert seen == {"limits.memory_mb": 4096}  # given, even if equal to the default; --out left out


def test_grade_config_table_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, FULL)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = CliRunner().invoke(config_command, ["--workers", "2", "--limit", "cpu_seconds=30"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Course configuration: {path}"
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert rows["workers"][1:] == ["2", "command", "line"]
    assert rows["limits.cpu_seconds"][1:] == ["30", "command", "line"]
    assert rows["limits.memory_mb"][1:] == ["2048", str(path)]
    assert rows["limits.processes"][1:] == ["64", "default"]
    assert rows["anonymise"][1:] == ["true", str(path)]
    assert rows["assignments.hw2.due"][1] == "2026-10-01T23:59:00-04:00"
    # the value column is aligned
    starts = {line.find(line.split()[1], len(line.split()[0])) for line in lines[2:]}
    assert len(starts) == 1

    result = CliRunner().invoke(config_command, ["--json", "--config", str(path)])
    document = json.loads(result.output)
    assert document["config"] == str(path)
    by_key = {s["key"]: s for s in document["settings"]}
    assert by_key["roster"] == {"key": "roster", "value": str(tmp_path / "roster.csv"), "source": str(path)}
    assert by_key["workers"]["source"] == str(path) and by_key["workers"]["value"] == 4


def test_grade_config_without_a_file_and_with_a_bad_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(config_command, [])
    assert result.exit_code == 0 and result.output.startswith("No course configuration")
    assert "(not set)" in result.output and '""' in result.output
    _write(tmp_path, "[limits]\nmemry_mb = 1\n")
    result = CliRunner().invoke(config_command, [])
    assert result.exit_code == 2
    assert result.output.startswith("grade: error: ")
    assert "limits.memry_mb: unknown key (did you mean 'memory_mb'?)" in result.output
    (tmp_path / "grader.toml").unlink()
    result = CliRunner().invoke(config_command, ["--limit", "nope=1"])
    assert result.exit_code == 2 and "--limit" in result.output


# --- the term salt of hidden inputs ------------------------------------------------------------------


def _contexts(**extra: object) -> tuple[CheckContext, CheckContext]:
    """(public, hidden) contexts of hw2's ddpm_posterior for student ada."""
    function = load_rubrics()["hw2"].functions[0]
    public, hidden = (next(c for c in function.checks if c.visibility == v) for v in ("public", "hidden"))
    return tuple(CheckContext("hw2", "ada", function, check, lambda *a: None, str, **extra)  # type: ignore[return-value]
                 for check in (public, hidden))


def test_seeds_without_a_term_are_pinned() -> None:
    # today's seeds (the sample class's expectations depend on them): an empty term must keep them
    public, hidden = _contexts(term="")
    assert (public.seed(0), public.seed(1)) == (2903325325934779166, 8393777961176382678)
    assert (hidden.seed(0), hidden.seed(1)) == (2627729395737526503, 5931546934670776804)


def test_term_changes_hidden_inputs_only() -> None:
    public, hidden = _contexts()
    public_salted, hidden_salted = _contexts(term="2026-fall")
    assert public_salted.seed(0) == public.seed(0)
    assert hidden_salted.seed(0) != hidden.seed(0) and hidden_salted.seed(1) != hidden.seed(1)
    assert _contexts(term="2027-spring")[1].seed(0) != hidden_salted.seed(0)

    def inputs(ctx: CheckContext) -> list[torch.Tensor]:
        return [v for call in plan_configs(ctx) for v in call.args.values() if isinstance(v, torch.Tensor)]

    assert all(torch.equal(a, b) for a, b in zip(inputs(public), inputs(public_salted), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(inputs(hidden), inputs(hidden_salted), strict=True))
