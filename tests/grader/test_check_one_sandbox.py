"""``grade check`` starts exactly one sandbox child, and a machine whose sandboxes cannot start still fails loudly.

Both ways: a working submission is checked in one child (no preflight); a
sandbox that cannot start gives the preflight's clear message and exit
status 1; a file that kills its own process at top level is reported as the
file's error with exit status 0, since sandboxes do start.
"""

from __future__ import annotations

import sys

from click.testing import CliRunner

import grader.execute
import grader.prestart
from grader.cli import cli
from grader.execute import LoadReply, Sandbox


def _count_sandboxes(monkeypatch) -> list[Sandbox]:
    entered: list[Sandbox] = []
    enter = Sandbox.__enter__

    def counting(self: Sandbox) -> Sandbox:
        entered.append(self)
        return enter(self)

    monkeypatch.setattr(Sandbox, "__enter__", counting)
    return entered


def test_grade_check_starts_one_child(monkeypatch):
    entered = _count_sandboxes(monkeypatch)
    result = CliRunner().invoke(cli, ["check", "submissions/hw2/ada_lovelace.py", "--assignment", "hw2"])
    assert result.exit_code == 0, result.output
    assert "Public checks:" in result.output
    assert len(entered) == 1
    assert entered[0].starts == 1  # one process, never restarted


def test_grade_check_does_not_import_the_report_and_gradebook_stages():
    import subprocess

    code = ("import sys\nfrom grader.cli import cli\n"
            "cli(['check', 'submissions/hw2/ada_lovelace.py', '--assignment', 'hw2'], standalone_mode=False)\n"
            "print(sorted(m for m in ('pandas', 'jinja2', 'matplotlib', 'grader.pipeline') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=".")
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_sandbox_that_cannot_start_fails_loudly(monkeypatch):
    entered = _count_sandboxes(monkeypatch)
    failed = LoadReply(fatal="the sandbox process exited with status 3")
    monkeypatch.setattr(Sandbox, "load", lambda self, while_waiting=None: failed)
    result = CliRunner().invoke(cli, ["check", "submissions/hw2/ada_lovelace.py", "--assignment", "hw2"])
    assert result.exit_code == 1
    assert "the sandbox cannot start on this machine" in result.output
    assert "exited with status 3" in result.output
    assert len(entered) == 2  # the file's own child, then the preflight that tells whose fault it is


def test_a_file_that_kills_its_own_process_is_the_files_error(monkeypatch, tmp_path):
    preflights: list[object] = []
    real = grader.prestart.preflight
    monkeypatch.setattr(grader.prestart, "preflight", lambda limits: preflights.append(limits) or real(limits))
    path = tmp_path / "suicide.py"
    path.write_text("import os\nos._exit(3)\n")
    result = CliRunner().invoke(cli, ["check", str(path), "--assignment", "hw2"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("error: ")
    assert "Public checks: 0 /" in result.output
    assert len(preflights) == 1
