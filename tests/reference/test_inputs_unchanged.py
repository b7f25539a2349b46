"""No reference function modifies its inputs (values, version counters, grad flags, containers).

The functions are derived, not listed: every public function (``__all__``) of
the topic modules that implement the contract's functions
(``reference.<assignment>.__all__`` for every assignment with a rubric), so
the helpers beside them too. Each is called on the hand-built float64 inputs
of ``_args`` below; a function without inputs there needs a reason in
``EXCLUDED`` (a test says so). This is stricter than the grader's in-place
rule (``tests/grader/test_checks_both_ways.py`` runs the reference on every
check's inputs), which compares values and container layouts but not version
counters or grad flags.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from grader.rubric import default_rubrics_dir

F64 = torch.float64
ASSIGNMENTS = sorted(p.stem for p in default_rubrics_dir().glob("*.yaml"))
CONTRACT = {name: getattr(importlib.import_module(f"reference.{a}"), name)
            for a in ASSIGNMENTS for name in importlib.import_module(f"reference.{a}").__all__}
TOPIC_MODULES = sorted({fn.__module__ for fn in CONTRACT.values()})
FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: getattr(module, name)
    for module in map(importlib.import_module, TOPIC_MODULES) for name in module.__all__
}
EXCLUDED = {
    "mha_param_counts": "takes only Python ints: there is no input it could modify",
}


def _r(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


class _Field(nn.Module):
    """A time-dependent vector field f(z [N, D], s) -> [N, D], acting row-wise (FFJORD)."""

    def __init__(self, D: int) -> None:
        super().__init__()
        self.W = nn.Parameter(0.5 * _r(D + 1, D, seed=5))
        self.b = nn.Parameter(0.1 * _r(D, seed=6))

    def forward(self, z: torch.Tensor, s: float) -> torch.Tensor:
        return torch.tanh(torch.cat([z, torch.full_like(z[:, :1], s)], 1) @ self.W + self.b)


def _args() -> dict[str, tuple[Any, ...]]:
    N, d, T = 4, 3, 6
    betas = torch.linspace(0.05, 0.3, T, dtype=F64)
    alphas = torch.cumprod(1 - betas, 0)  # cumulative (DDIM notation)
    sigmas = 0.5 * torch.sqrt(torch.cat([torch.zeros(1, dtype=F64), 1 - alphas[:-1]]))
    t_vec = torch.tensor([1, 2, 6, 3])
    a, b, c = _r(N, d), _r(N, d, seed=1), _r(N, d, seed=2)  # (N, d) inputs
    u, v = _r(N), _r(N, seed=1)  # (N,) inputs
    pos = torch.rand(N, dtype=F64) + 0.1  # positive (N,) values
    ts = torch.tensor([1.0, 0.5, 0.1], dtype=F64)
    attn = {
        "W_Q": _r(2, d, 2, seed=1), "W_K": _r(2, d, 2, seed=2),
        "W_V": _r(2, d, 2, seed=3), "W_O": _r(4, 5, seed=4),
    }
    q, k, w = _r(5, d), _r(5, d, seed=1), _r(5, d, seed=2)
    lin = nn.Linear(d, d).to(F64)
    grid = torch.linspace(-2.0, 2.0, 11, dtype=F64)
    times = torch.tensor([0.1, 0.4, 0.7, 1.0], dtype=F64)  # toy times in (0, 1]
    sigma2 = torch.tensor(0.3, dtype=F64)
    logps = [-_r(N, seed=s).abs() - 0.1 for s in range(4)]  # log-probabilities
    return {
        # hw1
        "tweedie_posterior_mean": (a, lambda y: -y, torch.eye(d, dtype=F64) * 0.5),
        "gaussian_kl": (a, pos, b, pos.flip(0)),
        "ffjord_log_density": (_Field(d), a, c, 4),
        "ffjord_adjoint_grad": (_Field(d), a, c, 4),
        "backprop_v1": (["x", "h", "out"], [("x", "h"), ("h", "out"), ("x", "out")],
                        {("x", "h"): _r(2, 3), ("h", "out"): _r(1, 2, seed=1), ("x", "out"): _r(1, 3, seed=2)},
                        "out"),
        "backprop_v2": (["x", "h", "out"], [("x", "h"), ("h", "out"), ("x", "out")],
                        {("x", "h"): _r(2, 3), ("h", "out"): _r(1, 2, seed=1), ("x", "out"): _r(1, 3, seed=2)},
                        "out"),
        "fokker_planck_rhs": (torch.exp(-grid**2 / 2), grid, -grid, 0.7),
        "ve_sde_sample": (u, torch.linspace(0, 1, 5, dtype=F64), _r(4, N)),
        "reverse_sde_drift": (a, b, 1.0, c, 0.5),
        "reverse_sde_sample": (u, ts, lambda x, t: -x, 0.5, _r(2, N)),
        # hw2
        "ddpm_posterior": (a, b, betas, 3),
        "ddpm_posterior_mean_from_score": (a, b, betas, 3),
        "ddim_step": (a, b, alphas[1], alphas[2], sigmas[2], c),
        "ddim_forward_process": (a, alphas, sigmas, _r(T, N, d)),
        "ddim_sample": (lambda x, t: 0.1 * x, a, alphas, sigmas, _r(T, N, d)),
        "ou_coefficients": (pos,),
        "dsm_loss": (lambda x, t: 0.3 * x, u, pos, v, pos.clone()),
        "reverse_ode_drift": (u, pos, v),
        "mha1": (q, k, w, attn),
        "mha2": (q, k, w, attn),
        "mha1_to_mha2": (attn,),
        # hw3
        "ddpm_q_sample": (a, t_vec, betas, b),
        "posterior_mean_from_eps": (a, b, t_vec, betas),
        "ddpm_eps_loss_weight": (t_vec, betas, betas.clone()),
        "ddpm_prior_kl": (a, betas),
        "implicit_score_matching_loss": (lin, a),
        "denoising_score_matching_loss": (lin, a, 0.5, b),
        # hw4
        "toy_marginal_var": (sigma2, times),
        "toy_reverse_conditional": (u, times[1], 0.1, sigma2),
        "toy_ddpm_sample": (u, sigma2, 5, _r(5, N)),
        "toy_ddim_sample": (u, sigma2, 5),
        "toy_denoiser_target": (u, times, sigma2),
        "optimal_policy": (torch.softmax(_r(N, 5), 1), _r(N, 5, seed=1), 0.5),
        "dpo_loss": (logps[0].clone().requires_grad_(True), *logps[1:], 0.1),
        "dpo_grad_weight": (*logps, 0.1),
        "bradley_terry_prob": (u, v),
        "plackett_luce_logprob": (_r(N, 3), _r(N, 3, seed=1), 0.5),
        # quiz1
        "sample_z": (a, 0.9, 3, b),
        "sample_z_forward": (a, 0.9, 2, b),
        "ou_sample": (a, 0.3, b),
        "ou_euler_step": (a, 0.1, b),
        "optimal_denoiser_at_L": (_r(5, d),),
        "cvae_loss": (a, b, c, _r(N, d, seed=3), _r(N, d, seed=4)),
        # helpers beside the contract's functions
        "kl_diag_normal_standard": (a, b),
        "log_normal_diag": (a, b, c),
    }


def _tensors(obj: Any) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _tensors(v)]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in _tensors(v)]
    if isinstance(obj, nn.Module):
        return list(obj.parameters())
    return []


ARGS = _args()
CASES = sorted(set(FUNCTIONS) - set(EXCLUDED))


def test_every_function_has_inputs_or_a_reason():
    assert not set(EXCLUDED) & set(ARGS)
    assert set(ARGS) | set(EXCLUDED) == set(FUNCTIONS)


@pytest.mark.parametrize("name", CASES)
def test_inputs_are_not_modified(name: str) -> None:
    fn, args = FUNCTIONS[name], ARGS[name]
    tensors = _tensors(args)
    snapshot = [(t.clone(), t._version, t.requires_grad) for t in tensors]
    keys = [sorted(a) for a in args if isinstance(a, dict)]
    lists = [list(a) for a in args if isinstance(a, list)]
    fn(*args)
    for t, (before, version, requires_grad) in zip(tensors, snapshot):
        assert torch.equal(t, before), f"{name} changed an input's values"
        assert t._version == version, f"{name} modified an input in place"
        assert t.requires_grad == requires_grad, f"{name} changed an input's requires_grad"
    assert keys == [sorted(a) for a in args if isinstance(a, dict)], f"{name} changed a dict's keys"
    assert lists == [list(a) for a in args if isinstance(a, list)], f"{name} changed a list"
