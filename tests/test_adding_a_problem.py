"""Adding a problem touches only the reference, the cases and the rubric (README, "Adding a problem").

In a temporary copy of the project, a new elementwise function of hw2,
``ddpm_snr(betas, t)`` = abar_t / (1 - abar_t) (the signal-to-noise ratio of
DDPM's forward process; Kingma et al. 2021, arXiv:2107.00630, eq. 2), is
added by exactly the README's steps:

1. the reference function in its topic module (``reference/ddpm.py``) and
   its export in ``reference/hw2.py``;
2. its input generator in ``grader/cases/ddpm.py``, listed in ``CASES``;
3. its entry in ``rubrics/hw2.yaml``.

Then ``grade run`` grades it: an independently written correct version
gets full credit, a realistic mistake (the per-step alpha_t instead of the
cumulative abar_t) gets none. The copy differs from the project in exactly
those four files.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

REFERENCE = '''

def ddpm_snr(betas: torch.Tensor, t: int) -> torch.Tensor:
    r"""Signal-to-noise ratio abar_t / (1 - abar_t) of the DDPM forward process at step t.

    Parameters
    ----------
    betas : (T,) torch.Tensor
        Noise schedule, ``betas[t-1]`` = beta_t in (0, 1).
    t : int
        Step, 1 <= t <= T.

    Returns
    -------
    () torch.Tensor
        abar_t / (1 - abar_t), abar_t = prod_{s <= t} (1 - beta_s)
        (Kingma et al. 2021, arXiv:2107.00630, eq. 2).
    """
    abar = torch.cumprod(1 - betas, dim=0)[t - 1]
    return abar / (1 - abar)
'''

CASE = '''def ddpm_snr(g: torch.Generator, T: int, t: int | str = "random") -> dict[str, Any]:
    """Arguments (betas, t) of ``ddpm_snr``: a drawn ``[T]`` schedule and one step."""
    return {"betas": random_betas(g, T), "t": pick_t(g, t, T)}


'''

RUBRIC_ENTRY = {
    "name": "ddpm_snr", "points": 4,
    "checks": [
        {"name": "first and last step", "kind": "elementwise", "visibility": "public", "points": 2,
         "case": "ddpm_snr", "configs": [{"T": 10, "t": 1}, {"T": 10, "t": 10}]},
        {"name": "hidden steps", "kind": "elementwise", "visibility": "hidden", "points": 2,
         "case": "ddpm_snr", "configs": [{"T": 50}, {"T": 1000, "t": "early"}]},
    ],
}

RIGHT = '''import numpy as np
import torch


def ddpm_snr(betas, t):
    log_abar = np.log1p(-betas.numpy()[:t]).sum()
    return torch.tensor(np.exp(log_abar) / -np.expm1(log_abar), dtype=torch.float64)
'''

WRONG = '''import torch


def ddpm_snr(betas, t):
    alpha = 1 - betas[t - 1]          # per-step alpha_t, not the cumulative product
    return alpha / (1 - alpha)
'''


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def _add_problem(project: Path) -> None:
    ddpm = project / "reference" / "ddpm.py"
    ddpm.write_text(ddpm.read_text() + REFERENCE)
    _replace_once(ddpm, "__all__ = [", '__all__ = [\n    "ddpm_snr",')
    hw2 = project / "reference" / "hw2.py"
    _replace_once(hw2, "from .ddpm import ddpm_posterior, ddpm_posterior_mean_from_score",
                  "from .ddpm import ddpm_posterior, ddpm_posterior_mean_from_score, ddpm_snr")
    _replace_once(hw2, '"ddpm_posterior_mean_from_score",', '"ddpm_posterior_mean_from_score",\n    "ddpm_snr",')
    cases = project / "grader" / "cases" / "ddpm.py"
    _replace_once(cases, "CASES = {", CASE + 'CASES = {\n    "ddpm_snr": ddpm_snr,')
    rubric = project / "rubrics" / "hw2.yaml"
    data = yaml.safe_load(rubric.read_text())
    data["functions"].insert(2, RUBRIC_ENTRY)
    rubric.write_text(yaml.safe_dump(data, sort_keys=False))


def _changed_files(project: Path) -> set[str]:
    changed = set()
    for folder in ("grader", "reference", "rubrics"):
        for path in (project / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                original = ROOT / path.relative_to(project)
                if not original.exists() or not filecmp.cmp(original, path, shallow=False):
                    changed.add(str(path.relative_to(project)))
    return changed


def test_an_elementwise_problem_needs_only_reference_cases_and_rubric(tmp_path):
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("grader", "reference", "rubrics"):
        shutil.copytree(ROOT / folder, project / folder, ignore=ignore)
    _add_problem(project)
    assert _changed_files(project) == {"reference/ddpm.py", "reference/hw2.py", "grader/cases/ddpm.py",
                                       "rubrics/hw2.yaml"}

    submissions = tmp_path / "submissions" / "hw2"
    submissions.mkdir(parents=True)
    (submissions / "right.py").write_text(RIGHT)
    (submissions / "wrong.py").write_text(WRONG)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(project)}
    run = subprocess.run([sys.executable, "-c", "from grader.cli import main; main()", "run",
                          str(submissions), "--out", str(out)],
                         cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr

    def item(student: str) -> dict:
        doc = json.loads((out / "results" / "hw2" / f"{student}.json").read_text())
        return next(i for i in doc["items"] if i["function"] == "ddpm_snr")

    right, wrong = item("right"), item("wrong")
    assert (right["score"], right["status"]) == (4, "passed")
    assert (wrong["score"], wrong["status"]) == (0, "failed")
