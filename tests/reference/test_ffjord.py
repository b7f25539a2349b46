"""FFJORD log-density and adjoint gradient (hw1 problem 3) against independent computations.

Independent references: torchdiffeq's adaptive dopri5 (``odeint``,
``odeint_adjoint``) on the augmented ODE with the Jacobian formed row by row,
the exact change of variables for a linear field, and Simpson's rule, which
classical RK4 reduces to on a z-independent field.
"""

from __future__ import annotations

import math

import pytest
import scipy.linalg
import scipy.stats
import torch
from torch import nn
from torchdiffeq import odeint, odeint_adjoint

from reference.ffjord import ffjord_adjoint_grad, ffjord_log_density

DTYPE = torch.float64
# A fixed first step: torchdiffeq differentiates through its automatic initial-step
# selection (rtqichen/torchdiffeq#284), which biases autograd through odeint by ~1e-3 here.
TIGHT = {"rtol": 1e-10, "atol": 1e-10, "method": "dopri5", "options": {"first_step": 1e-3}}


# --------------------------------------------------------------------------- #
#  Helpers                                                                    #
# --------------------------------------------------------------------------- #


class TimeMLP(nn.Module):
    """f(z, s) = W2 tanh(W1 [z, s] + b1) + b2, row-wise, parameters from a seeded generator."""

    def __init__(self, D: int = 2, H: int = 8, seed: int = 0, scale: float = 0.6) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.W1 = nn.Parameter(torch.randn(H, D + 1, generator=g, dtype=DTYPE))
        self.b1 = nn.Parameter(0.5 * torch.randn(H, generator=g, dtype=DTYPE))
        self.W2 = nn.Parameter(scale * torch.randn(D, H, generator=g, dtype=DTYPE) / math.sqrt(H))
        self.b2 = nn.Parameter(0.3 * torch.randn(D, generator=g, dtype=DTYPE))
        self.D = D

    def forward(self, z: torch.Tensor, s: float) -> torch.Tensor:
        h = torch.tanh(z @ self.W1[:, : self.D].T + s * self.W1[:, self.D] + self.b1)
        return h @ self.W2.T + self.b2


class Linear(nn.Module):
    """f(z, s) = A z."""

    def __init__(self, A: torch.Tensor) -> None:
        super().__init__()
        self.A = nn.Parameter(A.clone())

    def forward(self, z: torch.Tensor, s: float) -> torch.Tensor:
        return z @ self.A.T


class QuarticInTime(nn.Module):
    """f(z, s) = c s^4, independent of z: one RK4 step is Simpson's rule."""

    def __init__(self, c: float) -> None:
        super().__init__()
        self.c = nn.Parameter(torch.tensor(c, dtype=DTYPE))

    def forward(self, z: torch.Tensor, s: float) -> torch.Tensor:
        return self.c * s**4 * torch.ones_like(z)


def data(N: int, D: int, seed: int, probe: str = "gaussian") -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, D, generator=g, dtype=DTYPE)
    if probe == "gaussian":
        nu = torch.randn(N, D, generator=g, dtype=DTYPE)
    else:
        nu = torch.randint(0, 2, (N, D), generator=g).to(DTYPE) * 2 - 1
    return x, nu


def jacobian_rows(f: nn.Module, z: torch.Tensor, s: float) -> tuple[torch.Tensor, torch.Tensor]:
    """f(z, s) and the full per-row Jacobian J[n, i, j] = d f_i / d z_j, differentiable."""
    with torch.enable_grad():
        z_in = z if z.requires_grad else z.detach().requires_grad_(True)
        out = f(z_in, s)
        rows = [
            torch.autograd.grad(out[:, i].sum(), z_in, create_graph=True)[0]
            for i in range(out.shape[1])
        ]
    return out, torch.stack(rows, dim=1)


def augmented_rhs(f: nn.Module, nu: torch.Tensor | None):
    """d(z, l)/ds with the probe quadratic form, or the exact trace when nu is None."""

    def rhs(s: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        out, J = jacobian_rows(f, state[0], float(s.detach()))
        if nu is None:
            q = torch.diagonal(J, dim1=1, dim2=2).sum(-1)
        else:
            q = torch.einsum("ni,nij,nj->n", nu, J, nu)
        return out, -q

    return rhs


def dopri5_log_density(f, x, nu, adjoint: bool = False) -> torch.Tensor:
    """log N(z(0); 0, I) - l(0) from dopri5 at rtol = atol = 1e-10."""
    s = torch.tensor([1.0, 0.0], dtype=DTYPE)
    state0 = (x, x.new_zeros(x.shape[0]))
    if adjoint:
        z, ell = odeint_adjoint(
            augmented_rhs(f, nu), state0, s, adjoint_params=tuple(f.parameters()), **TIGHT
        )
    else:
        z, ell = odeint(augmented_rhs(f, nu), state0, s, **TIGHT)
    z0, ell0 = z[-1], ell[-1]
    D = x.shape[1]
    return -0.5 * (z0**2).sum(-1) - 0.5 * D * math.log(2 * math.pi) - ell0


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max())


# --------------------------------------------------------------------------- #
#  ffjord_log_density                                                         #
# --------------------------------------------------------------------------- #


def test_log_density_matches_dopri5_on_the_augmented_ode():
    f = TimeMLP(seed=1)
    x, nu = data(6, 2, seed=2)
    exact = dopri5_log_density(f, x, nu).detach()
    got = ffjord_log_density(f, x, nu, 32).detach()
    assert got.shape == (6,)
    torch.testing.assert_close(got, exact, rtol=0, atol=1e-7)


def test_log_density_is_fourth_order_in_n_steps():
    f = TimeMLP(seed=3, scale=1.0)
    x, nu = data(6, 2, seed=4)
    exact = dopri5_log_density(f, x, nu).detach()
    with torch.no_grad():
        errors = [
            float((ffjord_log_density(f, x, nu, n) - exact).abs().max()) for n in (8, 16, 32)
        ]
    orders = [math.log2(errors[i] / errors[i + 1]) for i in range(2)]
    assert all(3.5 < p < 4.6 for p in orders), (errors, orders)


def test_linear_field_matches_exact_change_of_variables():
    D = 3
    g = torch.Generator().manual_seed(5)
    A = 0.7 * torch.randn(D, D, generator=g, dtype=DTYPE)
    f = Linear(A)
    x = torch.randn(4, D, generator=g, dtype=DTYPE)
    # x = expm(A) z0 with z0 ~ N(0, I): x ~ N(0, expm(A) expm(A)^T).
    M = scipy.linalg.expm(A.numpy())
    exact = torch.tensor(
        scipy.stats.multivariate_normal(mean=[0.0] * D, cov=M @ M.T).logpdf(x.numpy()),
        dtype=DTYPE,
    )
    # Probes sqrt(D) e_i average nu^T A nu to tr A: the mean is the exact log-likelihood.
    probes = math.sqrt(D) * torch.eye(D, dtype=DTYPE)
    with torch.no_grad():
        per_probe = torch.stack(
            [ffjord_log_density(f, x, probes[i].expand(4, D), 40) for i in range(D)]
        )
        torch.testing.assert_close(per_probe.mean(0), exact, rtol=0, atol=1e-8)
        # each single probe: l(0) = nu^T A nu exactly (the quadratic form is constant in s)
        nu = torch.randn(4, D, generator=g, dtype=DTYPE)
        z0 = x @ torch.tensor(scipy.linalg.expm(-A.numpy())).T
        single = (
            -0.5 * (z0**2).sum(-1)
            - 0.5 * D * math.log(2 * math.pi)
            - torch.einsum("ni,ij,nj->n", nu, A, nu)
        )
        torch.testing.assert_close(ffjord_log_density(f, x, nu, 40), single, rtol=0, atol=1e-8)


def test_one_step_is_classical_rk4_not_the_three_eighths_rule():
    # One RK4 step of dz/ds = c s^4 from s=1 to s=0 is Simpson's rule:
    # z(0) = x - c (1 + 4 (1/2)^4 + 0)/6 = x - 5c/24; the 3/8 rule would give x - 0.2037c.
    c = 1.3
    f = QuarticInTime(c)
    x, nu = data(3, 2, seed=6)
    z0 = x - 5 * c / 24
    expected = -0.5 * (z0**2).sum(-1) - math.log(2 * math.pi)
    with torch.no_grad():
        torch.testing.assert_close(ffjord_log_density(f, x, nu, 1), expected, rtol=0, atol=1e-13)


def test_log_density_no_grad_mode_gives_same_values_without_graph():
    f = TimeMLP(seed=7)
    x, nu = data(4, 2, seed=8)
    with_graph = ffjord_log_density(f, x, nu, 8)
    with torch.no_grad():
        without = ffjord_log_density(f, x, nu, 8)
    assert with_graph.grad_fn is not None and without.grad_fn is None
    torch.testing.assert_close(without, with_graph.detach(), rtol=0, atol=1e-14)


# --------------------------------------------------------------------------- #
#  ffjord_adjoint_grad                                                        #
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("n_steps", [8, 16])
@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
def test_adjoint_matches_autograd_through_rk4(n_steps, probe):
    f = TimeMLP(seed=9)
    x, nu = data(5, 2, seed=10, probe=probe)
    params = tuple(f.parameters())
    direct = torch.autograd.grad(ffjord_log_density(f, x, nu, n_steps).sum(), params)
    adjoint = ffjord_adjoint_grad(f, x, nu, n_steps)
    assert isinstance(adjoint, tuple) and len(adjoint) == len(params)
    for p, a, d in zip(params, adjoint, direct):
        assert a.shape == p.shape
        assert a.grad_fn is None and not a.requires_grad
        assert rel_err(a, d) < 1e-4
    assert all(p.grad is None for p in params)


def test_adjoint_does_not_touch_existing_grad():
    f = TimeMLP(seed=11)
    x, nu = data(3, 2, seed=12)
    for p in f.parameters():
        p.grad = torch.full_like(p, 7.0)
    ffjord_adjoint_grad(f, x, nu, 4)
    assert all(bool((p.grad == 7.0).all()) for p in f.parameters())


def test_adjoint_matches_torchdiffeq_odeint_adjoint():
    f = TimeMLP(seed=13)
    x, nu = data(4, 2, seed=14)
    params = tuple(f.parameters())
    loss = dopri5_log_density(f, x, nu, adjoint=True).sum()
    expected = torch.autograd.grad(loss, params)
    got = ffjord_adjoint_grad(f, x, nu, 32)
    for a, e in zip(got, expected):
        assert rel_err(a, e) < 1e-6


def test_adjoint_linear_field_closed_form():
    # f = A z: log p_hat = log N(expm(-A) x) - nu^T A nu; its A-gradient by autograd of expm.
    D = 2
    g = torch.Generator().manual_seed(15)
    A = 0.5 * torch.randn(D, D, generator=g, dtype=DTYPE)
    x, nu = data(4, D, seed=16)
    A_var = A.clone().requires_grad_(True)
    z0 = x @ torch.linalg.matrix_exp(-A_var).T
    exact = (-0.5 * (z0**2).sum() - torch.einsum("ni,ij,nj->", nu, A_var, nu))
    (expected,) = torch.autograd.grad(exact, A_var)
    (got,) = ffjord_adjoint_grad(Linear(A), x, nu, 32)
    assert rel_err(got, expected) < 1e-7


def test_adjoint_with_coordinate_probes_is_the_exact_trace_gradient():
    # The RK4 adjoint is affine in nu nu^T, so averaging the probes sqrt(D) e_i (mean nu nu^T = I)
    # gives the exact-trace gradient up to the O(n_steps^-4) discretisation error only.
    D = 3
    f = TimeMLP(D=D, seed=25)
    x, _ = data(4, D, seed=26)
    params = tuple(f.parameters())
    exact = torch.autograd.grad(dopri5_log_density(f, x, None).sum(), params)
    x_rep = x.repeat(D, 1)
    nu = math.sqrt(D) * torch.eye(D, dtype=DTYPE).repeat_interleave(x.shape[0], dim=0)
    got = ffjord_adjoint_grad(f, x_rep, nu, 32)
    for a, e in zip(got, exact):
        assert rel_err(a / D, e) < 1e-6


@pytest.mark.parametrize("probe", ["gaussian", "rademacher"])
def test_adjoint_averaged_over_probes_is_the_exact_trace_gradient(probe):
    f = TimeMLP(seed=17)
    x, _ = data(3, 2, seed=18)
    params = tuple(f.parameters())
    exact = torch.autograd.grad(dopri5_log_density(f, x, None).sum(), params)
    exact_flat = torch.cat([e.flatten() for e in exact])

    batches, per_batch, n_steps = 30, 50, 8
    g = torch.Generator().manual_seed(19)
    x_rep = x.repeat(per_batch, 1)  # every data point with per_batch probes
    means = []
    for _ in range(batches):
        if probe == "gaussian":
            nu = torch.randn(x_rep.shape, generator=g, dtype=DTYPE)
        else:
            nu = torch.randint(0, 2, x_rep.shape, generator=g).to(DTYPE) * 2 - 1
        grads = ffjord_adjoint_grad(f, x_rep, nu, n_steps)
        means.append(torch.cat([gr.flatten() for gr in grads]) / per_batch)
    means_t = torch.stack(means)  # [batches, P]
    estimate = means_t.mean(0)
    se = means_t.std(0) / math.sqrt(batches)
    # >= 6 SE, widened to a Bonferroni Student-t bound: P(false failure) < 1e-6 overall
    k = max(6.0, float(scipy.stats.t.ppf(1 - 1e-6 / (2 * se.numel()), batches - 1)))
    # the O(n_steps^-4) discretisation bias (~1e-7 relative here) is far below the MC error
    bound = k * se + 1e-5 * exact_flat.abs().max()
    deviation = (estimate - exact_flat).abs()
    assert bool((deviation <= bound).all()), (deviation / se).max()
    # a single probe is not the exact gradient (the check has power)
    assert bool(((means_t[0] - exact_flat).abs() > 1e-6).any())


# --------------------------------------------------------------------------- #
#  Contract hygiene                                                           #
# --------------------------------------------------------------------------- #


def test_inputs_and_parameters_are_not_modified():
    f = TimeMLP(seed=20)
    x, nu = data(3, 2, seed=21)
    x0, nu0 = x.clone(), nu.clone()
    params0 = [p.detach().clone() for p in f.parameters()]
    ffjord_log_density(f, x, nu, 4)
    ffjord_adjoint_grad(f, x, nu, 4)
    assert torch.equal(x, x0) and torch.equal(nu, nu0)
    assert all(torch.equal(p, q) for p, q in zip(f.parameters(), params0))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_steps": 0}, ValueError, "n_steps"),
        ({"n_steps": 2.0}, TypeError, "n_steps"),
        ({"nu": torch.zeros(3, 3, dtype=DTYPE)}, ValueError, "nu"),
        ({"x": torch.zeros(3, dtype=DTYPE)}, ValueError, "x"),
    ],
)
def test_invalid_arguments_raise(kwargs, error, match):
    f = TimeMLP(seed=22)
    x, nu = data(3, 2, seed=23)
    args = {"f": f, "x": x, "nu": nu, "n_steps": 4} | kwargs
    with pytest.raises(error, match=match):
        ffjord_log_density(**args)
    with pytest.raises(error, match=match):
        ffjord_adjoint_grad(**args)


def test_adjoint_requires_a_module():
    x, nu = data(3, 2, seed=24)
    with pytest.raises(TypeError, match="nn.Module"):
        ffjord_adjoint_grad(lambda z, s: z, x, nu, 4)
