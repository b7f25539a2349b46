"""nbgrader 0.9.6 ``autograde`` against ``grade run`` on the same 19 notebooks, one worker each.

Called by ``bench/throughput.py`` (issue 9; ``--skip-nbgrader`` leaves it
out); it can also run alone. It

1. makes (or reuses) a virtual environment in
   ``~/.cache/grader-bench/nbgrader-0.9.6`` with ``nbgrader==0.9.6``,
   ``torch==2.13.0`` (exactly that pin: pip then takes this machine's local
   CPU wheel) and ``numpy``; if the install fails it prints one
   ``skipped: ...`` line and returns;
2. writes an nbgrader course in nbgrader's documented layout: a source
   notebook ``source/ddpm_mha/ddpm_mha.ipynb`` with two autograded answer
   cells (``ddpm_posterior``; ``mha1`` and ``mha2``: functions of the
   ``hw2`` contract, ``shared/spec/course.md``) and three autograded test
   cells whose asserts compare with the formulas written out in the test
   cell, then ``nbgrader generate_assignment``, then 19 student notebooks
   ``submitted/<student>/ddpm_mha/ddpm_mha.ipynb``: the released notebook
   with its answer cells filled in, in different correct styles (indexing
   a cumulative product, a loop, log space, numpy; einsum, per-head loops,
   a hand-written softmax), three of them with a bug;
3. times ``nbgrader autograde ddpm_mha`` (wall clock, the whole command);
4. copies the same 19 notebooks to ``<work>/for-grade-run/hw2/<student>.ipynb``
   and times ``grade run`` on them (``--workers 1 --limit fork_server=1``)
   with a temporary rubrics folder holding ``rubrics/hw2.yaml`` restricted
   to those three functions (still named ``hw2``, so its reference is
   ``reference.hw2``);
5. prints both times, their ratio and each side's scores.

Both commands run once each, after one ``python -c "import torch"`` in
each environment so that neither pays for a cold page cache.

Usage::

    python bench/nbgrader_compare.py            # prints the comparison alone
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NBGRADER_VERSION = "0.9.6"
#: Exactly this pin: on the course machines pip takes the local CPU wheel for it (a looser one
#: downloads a CUDA build of several GB).
REQUIREMENTS = (f"nbgrader=={NBGRADER_VERSION}", "torch==2.13.0", "numpy")
VENV = Path.home() / ".cache" / "grader-bench" / f"nbgrader-{NBGRADER_VERSION}"
ASSIGNMENT = "ddpm_mha"
#: The rubric functions the notebooks answer, and the nbgrader points of each test cell (the rubric's).
FUNCTIONS = {"ddpm_posterior": 10, "mha1": 10, "mha2": 8}
STUDENTS = 19
_MARKER = ".grader-bench-installed"

__all__ = ["NbgraderFigures", "compare", "ensure_venv", "write_course"]


@dataclass
class NbgraderFigures:
    """What :func:`compare` measured.

    Attributes
    ----------
    notebooks : int
        Notebooks graded by each side.
    nbgrader_seconds : float
        Wall time of ``nbgrader autograde``.
    grader_seconds : float
        Wall time of ``grade run``.
    """

    notebooks: int
    nbgrader_seconds: float
    grader_seconds: float

    @property
    def ratio(self) -> float:
        """The grader's throughput as a multiple of nbgrader's: nbgrader's seconds over the grader's."""
        return self.nbgrader_seconds / self.grader_seconds


# --------------------------------------------------------------------------- the environment

def ensure_venv(venv: Path = VENV) -> Path | str:
    """The Python of a virtual environment with :data:`REQUIREMENTS`, made if needed.

    An environment is reused when a previous call finished installing into it
    (a marker file naming the requirements); a half-made one is removed and
    made again.

    Parameters
    ----------
    venv : Path
        Where the environment lives.

    Returns
    -------
    Path or str
        Its ``bin/python``; or, if it could not be made (no network, no
        matching wheel), one line saying why.
    """
    python = venv / "bin" / "python"
    marker = venv / _MARKER
    wanted = "\n".join(REQUIREMENTS)
    if marker.is_file() and marker.read_text() == wanted and python.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    log = venv.parent / f"{venv.name}.install.log"
    print(f"   making {venv} (pip install {' '.join(REQUIREMENTS)}; log: {log}) ...", flush=True)
    with open(log, "w") as fh:
        steps = {"python -m venv": [sys.executable, "-m", "venv", str(venv)],
                 "pip install": [str(python), "-m", "pip", "install", "--timeout", "60", "--retries", "2",
                                 *REQUIREMENTS],
                 "import nbgrader, torch, numpy": [str(python), "-c", "import nbgrader, torch, numpy"]}
        for what, step in steps.items():
            fh.write(f"$ {' '.join(step)}\n")
            fh.flush()
            if subprocess.run(step, stdout=fh, stderr=subprocess.STDOUT).returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                return f"{what} failed: {_last_error(log)}"
    marker.write_text(wanted)
    return python


def _last_error(log: Path) -> str:
    """The last line of an install log that says what went wrong."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR") or "Error" in line]
    return (errors or lines or ["(no output)"])[-1]


# --------------------------------------------------------------------------- the notebooks

_IMPORTS = "import math\n\nimport numpy as np\nimport torch\n\n\n"

_SOLUTION_DDPM = '''def ddpm_posterior(x_t, x0, betas, t):
    """q(x_{t-1} | x_t, x_0) for 1 <= t <= T, betas[t - 1] = beta_t: (mean [N, d], var)."""
    ### BEGIN SOLUTION
    abar = torch.cat([torch.ones(1, dtype=betas.dtype), torch.cumprod(1 - betas, 0)])
    beta_t, abar_t, abar_prev = betas[t - 1], abar[t], abar[t - 1]
    mean = (abar_prev.sqrt() * beta_t * x0 + (1 - beta_t).sqrt() * (1 - abar_prev) * x_t) / (1 - abar_t)
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t
    ### END SOLUTION
'''

_SOLUTION_MHA = '''def mha1(Q, K, V, params):
    """MHA1: heads softmax(Q W_Q[h] (K W_K[h])^T / sqrt(d_attn)) V W_V[h], concatenated, times W_O."""
    ### BEGIN SOLUTION
    scores = torch.einsum("la,hab->hlb", Q, params["W_Q"]) @ torch.einsum("la,hab->hbl", K, params["W_K"])
    weights = torch.softmax(scores / math.sqrt(params["W_Q"].shape[-1]), dim=-1)
    heads = weights @ torch.einsum("la,hab->hlb", V, params["W_V"])
    return torch.cat(list(heads), dim=-1) @ params["W_O"]
    ### END SOLUTION


def mha2(Q, K, V, params):
    """MHA2: the sum over heads of softmax(...) V W_V[h] (W_V[h] is [d_V, d_out])."""
    ### BEGIN SOLUTION
    scores = torch.einsum("la,hab->hlb", Q, params["W_Q"]) @ torch.einsum("la,hab->hbl", K, params["W_K"])
    weights = torch.softmax(scores / math.sqrt(params["W_Q"].shape[-1]), dim=-1)
    return (weights @ torch.einsum("la,hab->hlb", V, params["W_V"])).sum(dim=0)
    ### END SOLUTION
'''

_TEST_DDPM = '''# Autograder test: ddpm_posterior against the closed form of q(x_{t-1} | x_t, x_0).
g = torch.Generator().manual_seed(1)
for T, times in ((10, (1, 2, 10)), (50, (1, 17, 50))):
    betas = 1e-4 + 0.05 * torch.rand(T, generator=g, dtype=torch.float64)
    x_t = torch.randn(4, 3, generator=g, dtype=torch.float64)
    x0 = torch.randn(4, 3, generator=g, dtype=torch.float64)
    abar = torch.cumprod(1 - betas, 0)
    for t in times:
        beta_t, abar_t = betas[t - 1], abar[t - 1]
        abar_prev = abar[t - 2] if t > 1 else torch.tensor(1.0, dtype=torch.float64)
        mean_expected = (abar_prev.sqrt() * beta_t / (1 - abar_t)) * x0 \\
            + ((1 - beta_t).sqrt() * (1 - abar_prev) / (1 - abar_t)) * x_t
        var_expected = float((1 - abar_prev) / (1 - abar_t) * beta_t)
        mean, var = ddpm_posterior(x_t, x0, betas, t)
        mean = torch.as_tensor(mean, dtype=torch.float64)
        assert mean.shape == x_t.shape, f"mean has shape {tuple(mean.shape)}, expected {tuple(x_t.shape)}"
        assert torch.allclose(mean, mean_expected, rtol=1e-6, atol=1e-9), f"wrong mean at T = {T}, t = {t}"
        assert abs(float(var) - var_expected) <= 1e-9 + 1e-6 * var_expected, f"wrong variance at T = {T}, t = {t}"
'''

_TEST_MHA = '''# Autograder test: {name} against the formula of {form}.
g = torch.Generator().manual_seed({seed})
for L, H, d_Q, d_K, d_V, d_attn, d_head, d_out in ((1, 1, 4, 5, 6, 3, 2, 4), (5, 2, 4, 5, 6, 3, 2, 4),
                                                    (4, 4, 3, 8, 2, 5, 3, 1)):
    Q = torch.randn(L, d_Q, generator=g, dtype=torch.float64)
    K = torch.randn(L, d_K, generator=g, dtype=torch.float64)
    V = torch.randn(L, d_V, generator=g, dtype=torch.float64)
    W_Q = torch.randn(H, d_Q, d_attn, generator=g, dtype=torch.float64)
    W_K = torch.randn(H, d_K, d_attn, generator=g, dtype=torch.float64)
    W_V = torch.randn(H, d_V, {v_cols}, generator=g, dtype=torch.float64)
    W_O = torch.randn(H * d_head, d_out, generator=g, dtype=torch.float64)
    heads = [torch.softmax((Q @ W_Q[h]) @ (K @ W_K[h]).T / math.sqrt(d_attn), dim=-1) @ V @ W_V[h]
             for h in range(H)]
    expected = {expected}
    out = torch.as_tensor({name}(Q, K, V, {params}), dtype=torch.float64)
    assert out.shape == expected.shape, f"output has shape {{tuple(out.shape)}}, expected {{tuple(expected.shape)}}"
    assert torch.allclose(out, expected, rtol=1e-6, atol=1e-9), f"wrong output for L = {{L}}, H = {{H}}"
'''


def _test_mha(name: str) -> str:
    """The test cell of ``mha1`` or ``mha2``."""
    if name == "mha1":
        return _TEST_MHA.format(name="mha1", form="MHA1 (concatenated heads times W_O)", seed=2, v_cols="d_head",
                                expected="torch.cat(heads, dim=-1) @ W_O",
                                params='{"W_Q": W_Q, "W_K": W_K, "W_V": W_V, "W_O": W_O}')
    return _TEST_MHA.format(name="mha2", form="MHA2 (the sum of the heads)", seed=3, v_cols="d_out",
                            expected="sum(heads)", params='{"W_Q": W_Q, "W_K": W_K, "W_V": W_V}')


#: Correct ``ddpm_posterior`` styles; the last is the bug (beta_t as the variance).
_DDPM_STYLES = [
    '''def ddpm_posterior(x_t, x0, betas, t):
    alphas = 1 - betas
    abar = torch.cumprod(alphas, dim=0)
    abar_t = abar[t - 1]
    abar_prev = abar[t - 2] if t > 1 else torch.ones((), dtype=betas.dtype)
    beta_t = betas[t - 1]
    coef_x0 = torch.sqrt(abar_prev) * beta_t / (1 - abar_t)
    coef_xt = torch.sqrt(alphas[t - 1]) * (1 - abar_prev) / (1 - abar_t)
    var = (1 - abar_prev) / (1 - abar_t) * beta_t
    return coef_x0 * x0 + coef_xt * x_t, var
''',
    '''def ddpm_posterior(x_t, x0, betas, t):
    t = int(t)
    abar_prev = 1.0
    for s in range(t - 1):
        abar_prev = abar_prev * (1 - betas[s])
    beta_t = betas[t - 1]
    abar_t = abar_prev * (1 - beta_t)
    mean = abar_prev ** 0.5 * beta_t / (1 - abar_t) * x0 + (1 - beta_t) ** 0.5 * (1 - abar_prev) / (1 - abar_t) * x_t
    return mean, (1 - abar_prev) / (1 - abar_t) * beta_t
''',
    '''def ddpm_posterior(x_t, x0, betas, t):
    # log abar_s for s = 0..T, abar_0 = 1
    log_abar = torch.cat([torch.zeros(1, dtype=betas.dtype), torch.cumsum(torch.log1p(-betas), 0)])
    abar_t, abar_prev = log_abar[t].exp(), log_abar[t - 1].exp()
    beta_t = betas[t - 1]
    var = beta_t * (1 - abar_prev) / (1 - abar_t)
    mean = beta_t * abar_prev.sqrt() / (1 - abar_t) * x0 + (1 - beta_t).sqrt() * (1 - abar_prev) / (1 - abar_t) * x_t
    return mean, var
''',
    '''def ddpm_posterior(x_t, x0, betas, t):
    b = np.asarray(betas, dtype=np.float64)
    abar = np.concatenate([[1.0], np.cumprod(1.0 - b)])
    a_t, a_prev, beta = abar[t], abar[t - 1], b[t - 1]
    mean = (np.sqrt(a_prev) * beta * np.asarray(x0) + np.sqrt(1 - beta) * (1 - a_prev) * np.asarray(x_t)) / (1 - a_t)
    return torch.from_numpy(mean), float((1 - a_prev) / (1 - a_t) * beta)
''',
    '''def ddpm_posterior(x_t, x0, betas, t):
    abar = torch.cumprod(1 - betas, 0)
    abar_t = abar[t - 1]
    abar_prev = abar[t - 2] if t > 1 else torch.tensor(1.0, dtype=betas.dtype)
    beta_t = betas[t - 1]
    mean = (abar_prev.sqrt() * beta_t * x0 + (1 - beta_t).sqrt() * (1 - abar_prev) * x_t) / (1 - abar_t)
    return mean, beta_t  # the variance of q(x_t | x_{t-1}), not of the posterior
''',
]

#: Correct ``mha1`` styles; the last is the bug (softmax over the queries).
_MHA1_STYLES = [
    '''def mha1(Q, K, V, params):
    W_Q, W_K, W_V, W_O = (params[k] for k in ("W_Q", "W_K", "W_V", "W_O"))
    q = torch.einsum("ld,hda->hla", Q, W_Q)
    k = torch.einsum("ld,hda->hla", K, W_K)
    v = torch.einsum("ld,hde->hle", V, W_V)
    A = torch.softmax(q @ k.transpose(1, 2) / W_Q.shape[-1] ** 0.5, dim=-1)
    heads = A @ v
    return torch.cat(list(heads), dim=-1) @ W_O
''',
    '''def mha1(Q, K, V, params):
    H, _, d_attn = params["W_Q"].shape
    outs = []
    for h in range(H):
        scores = (Q @ params["W_Q"][h]) @ (K @ params["W_K"][h]).T / math.sqrt(d_attn)
        outs.append(torch.softmax(scores, dim=1) @ (V @ params["W_V"][h]))
    return torch.cat(outs, dim=1) @ params["W_O"]
''',
    '''def softmax_rows(s):
    s = s - s.max(dim=-1, keepdim=True).values
    e = torch.exp(s)
    return e / e.sum(dim=-1, keepdim=True)


def mha1(Q, K, V, params):
    W_Q, W_K, W_V, W_O = params["W_Q"], params["W_K"], params["W_V"], params["W_O"]
    H, d_head = W_V.shape[0], W_V.shape[2]
    out = torch.zeros(Q.shape[0], W_O.shape[1], dtype=Q.dtype)
    for h in range(H):
        A = softmax_rows(Q @ W_Q[h] @ (K @ W_K[h]).T / math.sqrt(W_Q.shape[2]))
        out = out + A @ V @ W_V[h] @ W_O[h * d_head:(h + 1) * d_head]
    return out
''',
    '''def mha1(Q, K, V, params):
    H, _, d_attn = params["W_Q"].shape
    heads = []
    for h in range(H):
        scores = (Q @ params["W_Q"][h]) @ (K @ params["W_K"][h]).T / math.sqrt(d_attn)
        heads.append(torch.softmax(scores, dim=0) @ (V @ params["W_V"][h]))
    return torch.cat(heads, dim=1) @ params["W_O"]
''',
]

#: Correct ``mha2`` styles; the last is the bug (no 1/sqrt(d_attn)).
_MHA2_STYLES = [
    '''def mha2(Q, K, V, params):
    W_Q, W_K, W_V = params["W_Q"], params["W_K"], params["W_V"]
    q = torch.einsum("ld,hda->hla", Q, W_Q)
    k = torch.einsum("ld,hda->hla", K, W_K)
    A = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(W_Q.shape[-1]), dim=-1)
    return torch.einsum("hlm,md,hdo->lo", A, V, W_V)
''',
    '''def mha2(Q, K, V, params):
    total = 0
    for W_Q, W_K, W_V in zip(params["W_Q"], params["W_K"], params["W_V"]):
        A = torch.softmax((Q @ W_Q) @ (K @ W_K).T / math.sqrt(W_Q.shape[1]), dim=-1)
        total = total + A @ V @ W_V
    return total
''',
    '''def mha2(Q, K, V, params):
    H = params["W_Q"].shape[0]
    d_attn = params["W_Q"].shape[-1]
    terms = [torch.softmax(Q @ params["W_Q"][h] @ (K @ params["W_K"][h]).T / d_attn ** 0.5, dim=-1)
             @ V @ params["W_V"][h] for h in range(H)]
    return torch.stack(terms).sum(0)
''',
    '''def mha2(Q, K, V, params):
    total = 0
    for W_Q, W_K, W_V in zip(params["W_Q"], params["W_K"], params["W_V"]):
        A = torch.softmax((Q @ W_Q) @ (K @ W_K).T, dim=-1)
        total = total + A @ V @ W_V
    return total
''',
]

#: Students (0-based) with a bug, and in which function.
_BUGS = {4: "ddpm_posterior", 10: "mha1", 16: "mha2"}


def _student_code(i: int) -> tuple[str, str]:
    """The two answer cells of student ``i``: correct styles in turn, a bug for the students of :data:`_BUGS`."""
    bug = _BUGS.get(i)
    ddpm = _DDPM_STYLES[-1] if bug == "ddpm_posterior" else _DDPM_STYLES[i % (len(_DDPM_STYLES) - 1)]
    mha1 = _MHA1_STYLES[-1] if bug == "mha1" else _MHA1_STYLES[i % (len(_MHA1_STYLES) - 1)]
    mha2 = _MHA2_STYLES[-1] if bug == "mha2" else _MHA2_STYLES[(i // 2) % (len(_MHA2_STYLES) - 1)]
    return _IMPORTS + ddpm, _IMPORTS + mha1 + "\n\n" + mha2


def _cell_meta(grade_id: str, *, solution: bool = False, grade: bool = False, points: float = 0) -> dict:
    """The nbgrader cell metadata (schema 3): an answer cell, a test cell or a locked text cell."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _source_notebook() -> nbformat.NotebookNode:
    """The instructor's notebook: text, two answer cells with solutions, three test cells."""
    v4 = nbformat.v4
    nb = v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        v4.new_markdown_cell("# DDPM posterior and multi-head attention\n\nImplement the functions below "
                             "(contract: `shared/spec/course.md`, hw2).", metadata=_cell_meta("intro")),
        v4.new_code_cell(_IMPORTS + _SOLUTION_DDPM, metadata=_cell_meta("answer_ddpm_posterior", solution=True)),
        v4.new_code_cell(_TEST_DDPM, metadata=_cell_meta("test_ddpm_posterior", grade=True,
                                                         points=FUNCTIONS["ddpm_posterior"])),
        v4.new_code_cell(_IMPORTS + _SOLUTION_MHA, metadata=_cell_meta("answer_mha", solution=True)),
        v4.new_code_cell(_test_mha("mha1"), metadata=_cell_meta("test_mha1", grade=True, points=FUNCTIONS["mha1"])),
        v4.new_code_cell(_test_mha("mha2"), metadata=_cell_meta("test_mha2", grade=True, points=FUNCTIONS["mha2"])),
    ]
    return nb


def _nbgrader(python: Path, course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m nbgrader ARGS`` in the course folder, output captured."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["JUPYTER_PLATFORM_DIRS"] = "1"  # jupyter_core's own default from version 6; silences its warning
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"  # as if activated: nbgrader runs `alembic`
    return subprocess.run([str(python), "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True)


def write_course(python: Path, course: Path) -> list[str]:
    """An nbgrader course with the released assignment and :data:`STUDENTS` submissions.

    Parameters
    ----------
    python : Path
        The Python of the environment where nbgrader is installed.
    course : Path
        The course folder (made; ``nbgrader_config.py``, ``source/``,
        ``release/``, ``submitted/``, ``gradebook.db``).

    Returns
    -------
    list of str
        The student ids, in order.

    Raises
    ------
    RuntimeError
        If ``nbgrader generate_assignment`` fails.
    """
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "grader-bench"\n'
        f'c.CourseDirectory.root = {str(course)!r}\n')
    nbformat.write(_source_notebook(), course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    done = _nbgrader(python, course, "generate_assignment", ASSIGNMENT, "--force")
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed: {(done.stderr or done.stdout).strip()[-500:]}")
    released = nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    students = [f"student{i + 1:02d}" for i in range(STUDENTS)]
    for i, student in enumerate(students):
        nb = copy.deepcopy(released)
        answers = iter(_student_code(i))
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                cell.source = next(answers)
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    return students


# --------------------------------------------------------------------------- timing

def _restricted_rubrics(folder: Path) -> Path:
    """A rubrics folder holding ``hw2.yaml`` with only :data:`FUNCTIONS` (and no written items)."""
    data = yaml.safe_load((ROOT / "rubrics" / "hw2.yaml").read_text())
    data["functions"] = [f for f in data["functions"] if f["name"] in FUNCTIONS]
    data.pop("manual", None)
    assert [f["name"] for f in data["functions"]] == list(FUNCTIONS), "rubrics/hw2.yaml lost a function"
    folder.mkdir(parents=True)
    (folder / "hw2.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder


def _nbgrader_scores(python: Path, course: Path) -> dict[str, float]:
    """Student -> score of the autograded assignment, read from nbgrader's gradebook database."""
    code = ("import json, sys\nfrom nbgrader.api import Gradebook\n"
            "with Gradebook(sys.argv[1]) as gb:\n"
            "    print(json.dumps({s.student.id: s.score for s in gb.assignment_submissions(sys.argv[2])}))\n")
    done = subprocess.run([str(python), "-c", code, f"sqlite:///{course / 'gradebook.db'}", ASSIGNMENT],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return {}
    return {k: float(v) for k, v in json.loads(done.stdout).items()}


def _grader_scores(out: Path) -> dict[str, float]:
    """Student -> score of every result document of a ``grade run`` into ``out``."""
    return {p.stem: float(json.loads(p.read_text())["score"]) for p in sorted((out / "results" / "hw2").glob("*.json"))}


def _score_line(scores: dict[str, float], students: list[str]) -> str:
    """How many got full marks, and the others' scores."""
    full = sum(FUNCTIONS.values())
    others = [f"{s} {scores[s]:g}" for s in students if s in scores and scores[s] < full]
    missing = [s for s in students if s not in scores]
    text = f"{sum(1 for s in students if scores.get(s) == full)} of {len(students)} at {full}/{full}"
    text += f"; {', '.join(others)}" if others else ""
    return text + (f"; no score for {', '.join(missing)}" if missing else "")


def _wall(cmd: list[str], **kwargs: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time and outcome of one command (output captured)."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - t0, done


def compare(t_torch: float, work: Path | None = None, isolation: str = "auto") -> NbgraderFigures | None:
    """Time nbgrader's ``autograde`` and ``grade run`` on the same notebooks and print the figures.

    Parameters
    ----------
    t_torch : float
        Seconds of ``python -I -c "import torch"`` measured in the same run,
        to print every figure as a ratio to it.
    work : Path, optional
        Scratch folder (a temporary one, removed afterwards, if not given).
    isolation : str
        ``--isolation`` of ``grade run``.

    Returns
    -------
    NbgraderFigures or None
        None if nbgrader could not be installed or run (a ``skipped:`` line says why).
    """
    if work is None:
        with tempfile.TemporaryDirectory(prefix="grader-nbgrader-") as tmp:
            return compare(t_torch, Path(tmp), isolation)
    python = ensure_venv()
    if isinstance(python, str):
        print(f"   skipped: nbgrader {NBGRADER_VERSION} could not be installed ({python})")
        return None
    course = work / "nbgrader"
    try:
        students = write_course(python, course)
    except RuntimeError as exc:
        print(f"   skipped: {exc}")
        return None
    classroom = work / "for-grade-run" / "hw2"
    classroom.mkdir(parents=True)
    for student in students:
        shutil.copyfile(course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                        classroom / f"{student}.ipynb")
    rubrics = _restricted_rubrics(work / "rubrics")
    for interpreter in (python, Path(sys.executable)):  # warm both page caches
        subprocess.run([str(interpreter), "-I", "-c", "import torch"], check=True)

    t0 = time.perf_counter()
    nb_done = _nbgrader(python, course, "autograde", ASSIGNMENT)
    nb_seconds = time.perf_counter() - t0
    if nb_done.returncode != 0:
        print(f"   skipped: nbgrader autograde failed: {(nb_done.stderr or nb_done.stdout).strip()[-500:]}")
        return None
    out = work / "grader-out"
    gr_seconds, gr_done = _wall([sys.executable, "-m", "grader.cli", "run", str(classroom.parent), "--workers", "1",
                                 "--limit", "fork_server=1", "--isolation", isolation, "--rubrics", str(rubrics),
                                 "--out", str(out), "--quiet"], cwd=classroom.parent,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    if gr_done.returncode != 0:
        print(f"   grade run FAILED (exit {gr_done.returncode}): {(gr_done.stderr or gr_done.stdout).strip()[-500:]}")
        return None
    n = len(students)
    print(f"   nbgrader {NBGRADER_VERSION} autograde {ASSIGNMENT} (its own venv, one kernel per notebook): "
          f"{n} notebooks in {nb_seconds:.1f} s = {nb_seconds / n:.2f} s each ({nb_seconds / t_torch:.1f} T_torch)")
    print(f"     scores: {_score_line(_nbgrader_scores(python, course), students)}")
    print(f"   grade run --workers 1 --limit fork_server=1 --rubrics <hw2: {', '.join(FUNCTIONS)}>: "
          f"{n} notebooks in {gr_seconds:.1f} s = {gr_seconds / n:.2f} s each ({gr_seconds / t_torch:.1f} T_torch)")
    print(f"     scores: {_score_line(_grader_scores(out), students)}")
    figures = NbgraderFigures(n, nb_seconds, gr_seconds)
    print(f"   throughput grade run / nbgrader autograde: {figures.ratio:.1f}x (both whole commands, wall clock, "
          "one worker each, after a warm-up import of torch in each environment)")
    return figures


def main() -> int:
    """Measure T_torch, then run :func:`compare`; 0 if it ran, 1 if it was skipped."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import torch"], check=True)
        times.append(time.perf_counter() - t0)
    t_torch = sorted(times)[1]
    print(f'T_torch (python -I -c "import torch", median of 3): {t_torch:.2f} s')
    return 0 if compare(t_torch) is not None else 1


if __name__ == "__main__":
    sys.exit(main())
