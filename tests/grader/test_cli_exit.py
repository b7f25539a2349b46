"""The ``grade`` entry point ends the process itself: exit codes, output and exit handlers survive."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow


def _main(*args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(f"""
        import sys
        {before}
        from grader.cli import main
        sys.argv = ["grade", *{list(args)!r}]
        main()
        print("main returned", file=sys.stderr)
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_success_is_zero_and_output_is_flushed():
    done = _main("--version")
    assert done.returncode == 0 and done.stdout.startswith("grade, version")
    assert "main returned" not in done.stderr  # the process ended in main


def test_usage_errors_keep_their_exit_code_and_message(tmp_path):
    done = _main("run", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "-q")
    assert done.returncode == 2 and "is not a folder of submissions" in done.stderr


def test_exit_handlers_still_run():
    before = "import atexit; atexit.register(lambda: print('handler ran', flush=True))"
    done = _main("--version", before=before)
    assert done.returncode == 0 and "handler ran" in done.stdout


def test_buffered_output_is_flushed_before_the_process_ends():
    before = "sys.stdout = open(sys.stdout.fileno(), 'w', buffering=1 << 20, closefd=False)"
    done = _main("--help", before=before)  # a big buffer: nothing reaches the pipe unless flushed
    assert done.returncode == 0 and "Usage: grade" in done.stdout
