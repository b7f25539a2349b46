"""A class of hostile and broken hw2 submissions graded in one run.

Every hostile student is the correct submission ``ada_lovelace.py`` with one
hostile or broken change (a function replaced, code added at top level, or
the file itself damaged). Each test asserts the exact verdict per function;
``control`` (the unchanged correct submission) must come out exactly as when
graded alone, and nothing a student does may reach the output folder, the
reference answers or the network.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.isolation import detect
from grader.rubric import load_rubrics

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "submissions" / "hw2" / "ada_lovelace.py").read_text()
FUNCTIONS = load_rubrics()["hw2"].function_names  # every hw2 function gets a verdict
ISOLATED = detect("auto").bwrap is not None
CONTAINED = detect("auto").pids_root is not None


def wrap(name: str, body: str) -> str:
    """Redefine ``name`` after the correct one; ``_orig`` calls the correct version."""
    return (f"\n\n_orig_{name} = {name}\n\n\ndef {name}(*args):\n    _orig = _orig_{name}\n"
            + "\n".join("    " + line for line in body.strip("\n").split("\n")) + "\n")


ALL_ERROR = {f: "error" for f in FUNCTIONS}

# student id -> (source text or bytes, {function: status} for every function not "passed")
HOSTILE: dict[str, tuple[str | bytes, dict[str, str]]] = {
    "syntax_error": (BASE.replace("def mha2(Q, K, V, params):", "def mha2(Q, K, V, params)"), ALL_ERROR),
    "import_error": ("import torch_extra_magic\n" + BASE, ALL_ERROR),
    "missing_function": (BASE + "\ndel mha2\n", {"mha2": "missing"}),
    "returns_none": (BASE + wrap("ddpm_posterior", "return None"), {"ddpm_posterior": "failed"}),
    "returns_string": (BASE + wrap("reverse_ode_drift", "return 'F = -x/2 - score/2'"),
                       {"reverse_ode_drift": "failed"}),
    "wrong_shape": (BASE + wrap("reverse_ode_drift", "out = _orig(*args)\nreturn out.reshape(-1, 1).repeat(1, 2)"),
                    {"reverse_ode_drift": "failed"}),
    "returns_nan": (BASE + wrap("mha1", "return _orig(*args) * float('nan')"), {"mha1": "failed"}),
    "returns_inf": (BASE + wrap("mha2", "return _orig(*args) / 0.0"), {"mha2": "failed"}),
    "raises": (BASE + wrap("mha1_to_mha2", "raise KeyError('W_O')"), {"mha1_to_mha2": "error"}),
    "deep_recursion": (BASE + wrap("mha_param_counts", "return mha_param_counts(*args)"),
                       {"mha_param_counts": "error"}),
    "infinite_loop": (BASE + wrap("ddim_sample", "while True:\n    pass"), {"ddim_sample": "timeout"}),
    "uninterruptible_loop": (BASE + wrap("ddim_sample", "while True:\n    try:\n        while True:\n"
                                                        "            pass\n    except BaseException:\n        pass"),
                             {"ddim_sample": "timeout"}),
    "top_level_loop": ("while True:\n    pass\n" + BASE, ALL_ERROR),
    "huge_allocation": (BASE + wrap("ddpm_posterior_mean_from_score",
                                    "import torch\nbig = torch.ones(10**11, dtype=torch.float64)\n"
                                    "return _orig(*args)"), {"ddpm_posterior_mean_from_score": "error"}),
    "fork_bomb": (BASE + wrap("mha1", "import os\nwhile True:\n    os.fork()"), {"mha1": "error"}),
    "sys_exit_at_import": ("import sys\nsys.exit(0)\n" + BASE, ALL_ERROR),
    "os_exit_at_import": ("import os\nos._exit(0)\n" + BASE, ALL_ERROR),
    "sys_exit_in_function": (BASE + wrap("mha2", "import sys\nsys.exit(0)"), {"mha2": "error"}),
    "os_exit_in_function": (BASE + wrap("mha2", "import os\nos._exit(0)"), {"mha2": "error"}),
    "segfault": (BASE + wrap("mha2", "import ctypes\nreturn ctypes.string_at(0)"), {"mha2": "error"}),
    "prints_50mb": ("print('x' * 50_000_000)\n" + BASE + wrap("mha1", "print('y' * 1_000_000)\nreturn _orig(*args)"),
                    {}),
    "floods_fd1": ("import os\nos.write(1, b'z' * 10_000_000)\n" + BASE, {}),
    "mutates_input": (BASE + wrap("ddpm_posterior", "mean, var = _orig(*args)\nargs[0].zero_()\nreturn mean, var"),
                      {"ddpm_posterior": "failed"}),
    "patches_allclose": ("import torch, numpy\ntorch.allclose = lambda *a, **k: True\n"
                         "numpy.allclose = numpy.isclose = lambda *a, **k: True\n" + BASE
                         + wrap("reverse_ode_drift", "return _orig(*args) * 0"), {"reverse_ode_drift": "failed"}),
    "lying_object": (BASE + wrap("reverse_ode_drift", "class Liar:\n    def __eq__(self, other):\n"
                                                      "        return True\n    __array_priority__ = 1000\n"
                                                      "return Liar()"), {"reverse_ode_drift": "failed"}),
    "fake_result_lines": ("print('ddpm_posterior 10/10 passed')\nprint('SCORE 100/100')\n" + BASE
                          + wrap("ddpm_posterior", "return _orig(args[1], args[0], *args[2:])"),
                          {"ddpm_posterior": "failed"}),
    "huge_output": (BASE + wrap("reverse_ode_drift", "import torch\nreturn torch.zeros(30_000_000)"),
                    {"reverse_ode_drift": "failed"}),
    "deeply_nested": (BASE + wrap("reverse_ode_drift", "x = [0.0]\nfor _ in range(50):\n    x = [x]\nreturn x"),
                      {"reverse_ode_drift": "failed"}),
    "imports_reference": (BASE + wrap("mha_param_counts", "from reference.hw2 import mha_param_counts as m\n"
                                                          "return m(*args)"), {"mha_param_counts": "error"}),
    "empty_file": ("", ALL_ERROR),
    "non_utf8": (b"# caf\xe9\n" + BASE.encode(), ALL_ERROR),
}


def _write(folder: Path, out: Path, port: int) -> None:
    folder.mkdir(parents=True)
    (folder / "control.py").write_text(BASE)
    for student, (source, _) in HOSTILE.items():
        path = folder / f"{student}.py"
        if isinstance(source, bytes):
            path.write_bytes(source)
        else:
            path.write_text(source)
    # reads the answers / writes the output folder / reaches the network, when it can
    reference_file = ROOT / "reference" / "ddpm.py"
    (folder / "reads_reference.py").write_text(BASE + wrap("mha_param_counts", (
        f"try:\n    open({str(reference_file)!r}).read()\n    return (0, 0)\nexcept OSError:\n"
        f"    return _orig(*args)")))
    (folder / "writes_output.py").write_text(BASE + wrap("mha_param_counts", (
        f"import json, os\nfor root, dirs, files in os.walk({str(out)!r}):\n    for f in files:\n"
        f"        if f.endswith('.json'):\n"
        f"            open(os.path.join(root, f), 'w').write(json.dumps({{'score': 1e9}}))\n"
        f"return _orig(*args)")))
    (folder / "uses_network.py").write_text(BASE + wrap("mha_param_counts", (
        f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n"
        f"    return (0, 0)\nexcept OSError:\n    return _orig(*args)")))
    # broken notebooks and layout problems
    (folder / "bad_json.ipynb").write_text('{"cells": [ this is not json')
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": BASE, "language": "python", "outputs": []}]}]}
    (folder / "old_notebook.ipynb").write_text(json.dumps(v3))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise RuntimeError('first cell is broken')"),
                nbformat.v4.new_code_cell(BASE)]
    nbformat.write(nb, folder / "broken_first_cell.ipynb")
    (folder / "twin.py").write_text(BASE)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(BASE)]), folder / "twin.ipynb")
    outside = folder.parent / "outside.py"
    outside.write_text(BASE)
    os.symlink(outside, folder / "symlinked.py")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    out = base / "out"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    threading.Thread(target=lambda: [server.accept() for _ in range(100)], daemon=True).start()
    _write(base / "class" / "hw2", out, port)
    # the control student alone, for comparison
    alone = base / "alone" / "hw2"
    alone.mkdir(parents=True)
    (alone / "control.py").write_text(BASE)
    runner = CliRunner()
    result = runner.invoke(cli, ["run", str(base / "class"), "--out", str(out), "--workers", "2",
                                 "--timeout", "2", "--startup-timeout", "20", "--quiet"])
    assert result.exit_code == 0, result.output
    solo = runner.invoke(cli, ["run", str(base / "alone"), "--out", str(base / "solo"), "--quiet"])
    assert solo.exit_code == 0, solo.output
    server.close()
    return out, base / "solo", result


def _statuses(out: Path, student: str) -> dict[str, str]:
    doc = json.loads((out / "results" / "hw2" / f"{student}.json").read_text())
    return {i["function"]: i["status"] for i in doc["items"]}


def _expected(non_passing: dict[str, str]) -> dict[str, str]:
    return {f: non_passing.get(f, "passed") for f in FUNCTIONS}


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_hostile_verdicts(hostile_run, student):
    out, _, _ = hostile_run
    assert _statuses(out, student) == _expected(HOSTILE[student][1])


def test_there_are_at_least_25_distinct_hostile_submissions():
    assert len(HOSTILE) + 7 >= 25


@pytest.mark.parametrize("student, expected", [
    ("bad_json", ALL_ERROR),
    ("old_notebook", {}),
    ("broken_first_cell", {}),
    ("twin", ALL_ERROR),
    ("symlinked", ALL_ERROR),
])
def test_broken_files_and_layouts(hostile_run, student, expected):
    out, _, _ = hostile_run
    assert _statuses(out, student) == _expected(expected)


@pytest.mark.parametrize("student, message", [
    ("syntax_error", "SyntaxError"),
    ("import_error", "ModuleNotFoundError: No module named 'torch_extra_magic'"),
    ("top_level_loop", "longer than 20 s"),
    ("sys_exit_at_import", "sys.exit(0) was called while loading"),
    ("os_exit_at_import", "exited with status 0 (os._exit or a crash)"),
    ("empty_file", "empty"),
    ("non_utf8", "not valid UTF-8"),
    ("bad_json", "not a readable Jupyter notebook"),
    ("twin", "more than one submission"),
    ("symlinked", "symbolic link pointing outside"),
    ("broken_first_cell", "first cell is broken"),
])
def test_errors_are_explained(hostile_run, student, message):
    out, _, _ = hostile_run
    doc = json.loads((out / "results" / "hw2" / f"{student}.json").read_text())
    assert message in " ".join(doc["errors"])


@pytest.mark.parametrize("student, function, message", [
    ("mutates_input", "ddpm_posterior", "modified its input(s) x_t in place"),
    ("huge_allocation", "ddpm_posterior_mean_from_score", "memory"),
    ("huge_output", "reverse_ode_drift", "more than 20,000,000 numbers"),
    ("lying_object", "reverse_ode_drift", "object of type Liar"),
    ("imports_reference", "mha_param_counts", "not allowed in a submission"),
    ("raises", "mha1_to_mha2", "KeyError: 'W_O'"),
])
def test_function_messages(hostile_run, student, function, message):
    out, _, _ = hostile_run
    doc = json.loads((out / "results" / "hw2" / f"{student}.json").read_text())
    item = next(i for i in doc["items"] if i["function"] == function)
    assert message.lower() in " ".join(item["feedback"]).lower()


def test_output_is_capped(hostile_run):
    out, _, _ = hostile_run
    doc = json.loads((out / "results" / "hw2" / "prints_50mb.json").read_text())
    assert len(doc["stdout"]) < 100_000 and "discarded" in doc["stdout"]


def test_control_is_unaffected_by_the_class(hostile_run):
    out, solo, _ = hostile_run
    together = json.loads((out / "results" / "hw2" / "control.json").read_text())
    alone = json.loads((solo / "results" / "hw2" / "control.json").read_text())
    assert together["score"] == alone["score"] == 100
    assert [i["checks"] for i in together["items"]] == [i["checks"] for i in alone["items"]]


@pytest.mark.skipif(not ISOLATED, reason="bubblewrap is not usable on this host")
@pytest.mark.parametrize("student", ["reads_reference", "writes_output", "uses_network"])
def test_isolation_hides_answers_output_and_network(hostile_run, student):
    out, _, _ = hostile_run
    assert _statuses(out, student) == _expected({})
    for path in (out / "results" / "hw2").glob("*.json"):
        assert json.loads(path.read_text()).get("score") != 1e9


@pytest.mark.skipif(not CONTAINED, reason="no pids cgroup on this host")
def test_fork_bomb_left_no_process_behind(hostile_run):
    from grader.isolation import detect as probe

    root = probe("auto").pids_root
    assert not list(root.glob(f"grader-{os.getpid()}-*"))
