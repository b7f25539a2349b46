"""No reference function modifies its inputs (values, version counters, grad flags)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from reference import attention, ddim, ddpm, gaussian, score_matching, sde

F64 = torch.float64


def _r(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def _cases() -> list[tuple[str, Callable[..., Any], tuple[Any, ...]]]:
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
    return [
        ("ddpm_posterior", ddpm.ddpm_posterior, (a, b, betas, 3)),
        ("ddpm_posterior_mean_from_score", ddpm.ddpm_posterior_mean_from_score, (a, b, betas, 3)),
        ("ddpm_q_sample", ddpm.ddpm_q_sample, (a, t_vec, betas, b)),
        ("posterior_mean_from_eps", ddpm.posterior_mean_from_eps, (a, b, t_vec, betas)),
        ("ddpm_eps_loss_weight", ddpm.ddpm_eps_loss_weight, (t_vec, betas, betas.clone())),
        ("ddpm_prior_kl", ddpm.ddpm_prior_kl, (a, betas)),
        ("ddim_step", ddim.ddim_step, (a, b, alphas[1], alphas[2], sigmas[2], c)),
        ("ddim_forward_process", ddim.ddim_forward_process, (a, alphas, sigmas, _r(T, N, d))),
        ("ddim_sample", ddim.ddim_sample, (lambda x, t: 0.1 * x, a, alphas, sigmas, _r(T, N, d))),
        ("ou_coefficients", sde.ou_coefficients, (pos,)),
        ("reverse_ode_drift", sde.reverse_ode_drift, (u, pos, v)),
        ("ve_sde_sample", sde.ve_sde_sample, (u, torch.linspace(0, 1, 5, dtype=F64), _r(4, N))),
        ("reverse_sde_drift", sde.reverse_sde_drift, (a, b, 1.0, c, 0.5)),
        ("reverse_sde_sample", sde.reverse_sde_sample, (u, ts, lambda x, t: -x, 0.5, _r(2, N))),
        ("ou_sample", sde.ou_sample, (a, 0.3, b)),
        ("ou_euler_step", sde.ou_euler_step, (a, 0.1, b)),
        ("tweedie_posterior_mean", score_matching.tweedie_posterior_mean,
         (a, lambda y: -y, torch.eye(d, dtype=F64) * 0.5)),
        ("dsm_loss", score_matching.dsm_loss, (lambda x, t: 0.3 * x, u, pos, v, pos.clone())),
        ("implicit_score_matching_loss", score_matching.implicit_score_matching_loss, (lin, a)),
        ("denoising_score_matching_loss", score_matching.denoising_score_matching_loss,
         (lin, a, 0.5, b)),
        ("gaussian_kl", gaussian.gaussian_kl, (a, pos, b, pos.flip(0))),
        ("kl_diag_normal_standard", gaussian.kl_diag_normal_standard, (a, b)),
        ("log_normal_diag", gaussian.log_normal_diag, (a, b, c)),
        ("mha1", attention.mha1, (q, k, w, attn)),
        ("mha2", attention.mha2, (q, k, w, attn)),
        ("mha1_to_mha2", attention.mha1_to_mha2, (attn,)),
    ]


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


CASES = _cases()


@pytest.mark.parametrize(("name", "fn", "args"), CASES, ids=[c[0] for c in CASES])
def test_inputs_are_not_modified(name: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    tensors = _tensors(args)
    snapshot = [(t.clone(), t._version, t.requires_grad) for t in tensors]
    keys = [sorted(a) for a in args if isinstance(a, dict)]
    fn(*args)
    for t, (before, version, requires_grad) in zip(tensors, snapshot):
        assert torch.equal(t, before), f"{name} changed an input's values"
        assert t._version == version, f"{name} modified an input in place"
        assert t.requires_grad == requires_grad, f"{name} changed an input's requires_grad"
    assert keys == [sorted(a) for a in args if isinstance(a, dict)], f"{name} changed a dict's keys"
