"""No sandbox scratch folder is left in the temporary directory: after a run, and inside bubblewrap after kill -9.

A forked or spawned child inside bubblewrap works in a tmpfs ``/scratch``
of its own mount namespace, so nothing of it is made on the host; only a
child without bubblewrap gets a host folder, removed when its sandbox
closes (a kill -9 of the grader leaves that one behind: documented in the
README). A machine whose ``/tmp`` fills with empty folders run after run
is the failure this guards against (173 were found on a CI-like machine).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.isolation import detect

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STUDENTS = ["ada_lovelace", "alan_turing", "blaise_pascal", "hedy_lamarr"]


@pytest.fixture
def small_class(tmp_path):
    folder = tmp_path / "class" / "hw2"
    folder.mkdir(parents=True)
    for s in STUDENTS:
        shutil.copy(ROOT / "submissions" / "hw2" / f"{s}.py", folder)
    temp = tmp_path / "tmp"
    temp.mkdir()
    return tmp_path / "class", temp


def _grade(klass: Path, out: Path, temp: Path, isolation: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMPDIR": str(temp), "GRADER_FORK_SERVER": "1"}
    cmd = [sys.executable, "-m", "grader.cli", "run", str(klass), "--out", str(out), "-q",
           "--isolation", isolation]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _scratch_folders(temp: Path) -> list[str]:
    return sorted(p.name for p in temp.glob("grader-sandbox-*"))


@pytest.mark.parametrize("isolation", ["auto", "none"])
def test_a_finished_run_leaves_no_scratch_folder(small_class, tmp_path, isolation):
    klass, temp = small_class
    proc = _grade(klass, tmp_path / "out", temp, isolation)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert len(list((tmp_path / "out" / "results" / "hw2").glob("*.json"))) == len(STUDENTS)
    assert _scratch_folders(temp) == []


@pytest.mark.skipif(detect("auto").bwrap is None, reason="bubblewrap is not installed")
def test_a_killed_run_inside_bubblewrap_leaves_no_scratch_folder(small_class, tmp_path):
    klass, temp = small_class
    out = tmp_path / "out"
    proc = _grade(klass, out, temp, "auto")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "results" / "hw2").glob("*.json")):
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-run: a sandbox grading, a spare forked ahead
    proc.communicate()
    written = list((out / "results" / "hw2").glob("*.json"))
    assert 1 <= len(written) < len(STUDENTS), "the run was not interrupted half-way"
    assert _scratch_folders(temp) == []


def test_an_adopted_spare_keeps_its_folder_when_the_spare_object_is_closed():
    """Without bubblewrap a forked child works in a host folder: it belongs to the sandbox that adopts it."""
    from grader.execute import Sandbox, _spare
    from grader.limits import Limits

    limits = Limits(call_timeout=5.0, isolation="none", fork_server=1)
    spare = _spare(limits)
    if spare is None:
        pytest.skip("no fork server without bubblewrap on this host")
    request = {"filename": "<p.py>", "units": [{"source": "x = 1\n", "first_line": 1, "label": "module"}],
               "functions": []}
    sandbox = Sandbox(request, limits)
    sandbox._adopt(spare)
    spare.close()  # e.g. a parked spare closed at exit after it was adopted
    assert sandbox.scratch is not None and os.path.isdir(sandbox.scratch)
    assert sandbox.load().fatal is None
    folder = sandbox.scratch
    sandbox.close()
    assert not os.path.exists(folder)
