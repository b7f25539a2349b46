"""Fokker-Planck right-hand side (hw1 problem 5) against exact Gaussian solutions.

For the OU drift f(x) = -k x with constant rho, a Gaussian N(m, v) stays
Gaussian with dm/dt = -k m and dv/dt = -2 k v + rho^2, so
dp/dt = p_m dm/dt + p_v dv/dt exactly, where p_m = p (x - m)/v and
p_v = p ((x - m)^2/v - 1)/(2 v). This uses neither the PDE nor any finite
difference. The contract checks accuracy and order, not the scheme.
"""

from __future__ import annotations

import math

import pytest
import torch

from reference.fokker_planck import fokker_planck_rhs

DTYPE = torch.float64


def gaussian(x: torch.Tensor, m: float, v: float) -> torch.Tensor:
    return torch.exp(-((x - m) ** 2) / (2 * v)) / math.sqrt(2 * math.pi * v)


def exact_dpdt(x: torch.Tensor, m: float, v: float, k: float, rho: float) -> torch.Tensor:
    p = gaussian(x, m, v)
    dm_dt = -k * m
    dv_dt = -2 * k * v + rho**2
    p_m = p * (x - m) / v
    p_v = p * ((x - m) ** 2 / v - 1) / (2 * v)
    return p_m * dm_dt + p_v * dv_dt


def grid_case(M: int, m=0.4, v=0.8, k=1.0, rho=0.9, lo=-4.0, hi=4.0):
    x = torch.linspace(lo, hi, M, dtype=DTYPE)
    return gaussian(x, m, v), x, -k * x, rho, exact_dpdt(x, m, v, k, rho)


def test_shape_and_accuracy():
    p, x, f, rho, exact = grid_case(401)
    got = fokker_planck_rhs(p, x, f, rho)
    assert got.shape == (399,)
    torch.testing.assert_close(got, exact[1:-1], rtol=0, atol=1e-4)


@pytest.mark.parametrize(("m", "v", "k", "rho"), [(0.4, 0.8, 1.0, 0.9), (-0.3, 0.5, 2.0, 1.5)])
def test_second_order_convergence(m, v, k, rho):
    # M = 2^j + 1 keeps the coarse points on every finer grid; compare at shared points too.
    errors, shared = [], []
    for M in (41, 81, 161, 321):
        p, x, f, _, exact = grid_case(M, m, v, k, rho)
        err = fokker_planck_rhs(p, x, f, rho) - exact[1:-1]
        errors.append(float(err.abs().max()))
        stride = (M - 1) // 40
        shared.append(err[stride - 1 :: stride][:39])  # interior points of the coarsest grid
    ratios = [errors[i] / errors[i + 1] for i in range(3)]
    assert all(3.7 < r < 4.3 for r in ratios), ratios
    # pointwise on the two finest grids, where the error is not negligible
    big = shared[3].abs() > 0.05 * shared[3].abs().max()
    pointwise = shared[2][big] / shared[3][big]
    assert bool(((pointwise - 4).abs() < 0.1).all()), pointwise


def test_pure_diffusion_of_a_quadratic_is_exact():
    # p = x^2 (not a density, but the scheme is linear): -d/dx(0) + rho^2/2 * 2 = rho^2.
    x = torch.linspace(-1, 1, 11, dtype=DTYPE)
    got = fokker_planck_rhs(x**2, x, torch.zeros_like(x), 0.5)
    torch.testing.assert_close(got, torch.full((9,), 0.25, dtype=DTYPE), rtol=0, atol=1e-12)


def test_rho_as_tensor_and_decreasing_grid():
    p, x, f, rho, exact = grid_case(201)
    forward = fokker_planck_rhs(p, x, f, torch.tensor(rho, dtype=DTYPE))
    backward = fokker_planck_rhs(p.flip(0), x.flip(0), f.flip(0), rho)
    torch.testing.assert_close(backward.flip(0), forward, rtol=1e-12, atol=1e-12)


def test_inputs_are_not_modified():
    p, x, f, rho, _ = grid_case(51)
    copies = [p.clone(), x.clone(), f.clone()]
    fokker_planck_rhs(p, x, f, rho)
    assert all(torch.equal(a, b) for a, b in zip((p, x, f), copies))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (lambda p, x, f: (p[:2], x[:2], f[:2], 1.0), ValueError, "M >= 3"),
        (lambda p, x, f: (p[:-1], x, f, 1.0), ValueError, "p must have the shape"),
        (lambda p, x, f: (p, x**3, f, 1.0), ValueError, "uniform"),
        (lambda p, x, f: (p, x, f, "1"), TypeError, "rho"),
        (lambda p, x, f: (p.numpy(), x, f, 1.0), TypeError, "p"),
    ],
)
def test_invalid_arguments_raise(args, error, match):
    p, x, f, _, _ = grid_case(11)
    with pytest.raises(error, match=match):
        fokker_planck_rhs(*args(p, x, f))
