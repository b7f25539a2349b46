"""reference.hw2 / reference.hw3 expose exactly the contract's functions and parameters.

The expected lists are written out here (from ``shared/spec/course.md``); when
the spec file is present next to the project, they are also checked against
the tables parsed from it, so the two cannot drift apart silently.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

CONTRACT: dict[str, list[tuple[str, list[str]]]] = {
    "hw2": [
        ("ddpm_posterior", ["x_t", "x0", "betas", "t"]),
        ("ddpm_posterior_mean_from_score", ["x_t", "score", "betas", "t"]),
        ("ddim_step", ["x_next", "x0", "alpha_t", "alpha_next", "sigma_next", "noise"]),
        ("ddim_forward_process", ["x0", "alphas", "sigmas", "noise"]),
        ("ddim_sample", ["eps_model", "x_T", "alphas", "sigmas", "noise"]),
        ("ou_coefficients", ["t"]),
        ("dsm_loss", ["eps_model", "x0", "t", "eps", "lam"]),
        ("reverse_ode_drift", ["x", "t", "score"]),
        ("mha1", ["Q", "K", "V", "params"]),
        ("mha2", ["Q", "K", "V", "params"]),
        ("mha1_to_mha2", ["params"]),
        ("mha_param_counts", ["d_Q", "d_K", "d_V", "d_attn", "d_head", "d_out", "H"]),
    ],
    "hw3": [
        ("ddpm_q_sample", ["x0", "t", "betas", "noise"]),
        ("posterior_mean_from_eps", ["x_t", "eps", "t", "betas"]),
        ("ddpm_eps_loss_weight", ["t", "betas", "sigma2"]),
        ("ddpm_prior_kl", ["x0", "betas"]),
        ("implicit_score_matching_loss", ["score_model", "x"]),
        ("denoising_score_matching_loss", ["score_model", "x", "sigma", "noise"]),
    ],
}

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "course.md"


def _parse_spec(assignment: str) -> list[tuple[str, list[str]]]:
    text = SPEC.read_text(encoding="utf-8")
    section = re.search(rf"^## {assignment}\b.*?(?=^## )", text, flags=re.M | re.S)
    assert section is not None, f"no '## {assignment}' section in {SPEC}"
    rows = re.findall(r"^\| `(\w+)\(([^)]*)\)` \|", section.group(0), flags=re.M)
    return [(name, [p.strip() for p in params.split(",") if p.strip()]) for name, params in rows]


@pytest.mark.parametrize("assignment", sorted(CONTRACT))
def test_expected_lists_match_the_spec_file(assignment: str) -> None:
    if not SPEC.is_file():
        pytest.skip(f"contract file not found at {SPEC}")
    assert _parse_spec(assignment) == CONTRACT[assignment]


@pytest.mark.parametrize("assignment", sorted(CONTRACT))
def test_module_exports_exactly_the_contract(assignment: str) -> None:
    module = importlib.import_module(f"reference.{assignment}")
    assert module.__doc__ and assignment in module.__doc__
    assert module.__all__ == [name for name, _ in CONTRACT[assignment]]
    for name, params in CONTRACT[assignment]:
        fn = getattr(module, name)
        assert callable(fn), name
        assert list(inspect.signature(fn).parameters) == params, name
        assert fn.__doc__ and "Returns" in fn.__doc__ and "Notes" in fn.__doc__, name
