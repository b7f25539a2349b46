"""reference.sde against ODE solutions (torchdiffeq) and exact Gaussian laws.

Monte-Carlo thresholds are 6 standard errors (normal approximation), so a
correct implementation fails with probability about 2e-9 per comparison.
"""

from __future__ import annotations

import math

import pytest
import torch

from reference.sde import (
    ou_coefficients,
    ou_euler_step,
    ou_sample,
    reverse_ode_drift,
    reverse_sde_drift,
    reverse_sde_sample,
    ve_sde_sample,
)

F64 = torch.float64
Z = 6.0


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture(autouse=True)
def one_thread():  # noqa: ANN201
    """Run single-threaded: on a busy 2-core machine torch's multi-threaded
    elementwise kernels (tanh, randn) over 20000 elements are up to 50x slower
    than single-threaded ones, and these tests loop over 1000 small steps."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _odeint():  # noqa: ANN202
    return pytest.importorskip("torchdiffeq").odeint


def _ou_var(v0: float, t: float) -> float:
    """Variance of p_t for dX = -X/2 dt + dW from N(0, v0)."""
    return v0 * math.exp(-t) + 1.0 - math.exp(-t)


# --------------------------------------------------------- OU coefficients


def test_ou_coefficients_solve_the_moment_odes() -> None:
    """m' = -m/2 (m(0) = 1) and s' = -s + 1 (s(0) = 0) give gamma_t and sigma_t^2."""
    ts = torch.tensor([0.0, 1e-4, 0.1, 0.5, 1.0, 2.0, 5.0], dtype=F64)

    def moments(_t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.stack([-0.5 * y[0], -y[1] + 1.0])

    sol = _odeint()(moments, torch.tensor([1.0, 0.0], dtype=F64), ts, rtol=1e-12, atol=1e-14)
    gamma, sigma = ou_coefficients(ts)
    assert gamma.shape == sigma.shape == ts.shape
    torch.testing.assert_close(gamma, sol[:, 0], rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(sigma**2, sol[:, 1], rtol=1e-9, atol=1e-12)
    g0, s0 = ou_coefficients(0.0)
    assert float(g0) == 1.0 and float(s0) == 0.0
    with pytest.raises(ValueError, match="t must be >= 0"):
        ou_coefficients(torch.tensor([-0.1], dtype=F64))


def test_reverse_ode_drift_transports_p_T_to_p_0() -> None:
    """With the exact score of N(0, v) data, integrating dx/dt = F from T down to 0
    maps x_T to x_T sqrt(v_0 / v_T) (the flow preserves the standardised value)."""
    v, T = 4.0, 2.0
    x_T = torch.tensor([-3.0, -0.5, 0.0, 1.0, 2.5], dtype=F64)

    def flow(t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        score = -x / _ou_var(v, float(t))
        return reverse_ode_drift(x, t, score)

    ts = torch.tensor([T, 0.0], dtype=F64)
    x_0 = _odeint()(flow, x_T, ts, rtol=1e-10, atol=1e-12)[-1]
    torch.testing.assert_close(x_0, x_T * math.sqrt(v / _ou_var(v, T)), rtol=1e-7, atol=1e-9)


def test_reverse_sde_drift_family() -> None:
    g = _gen(1)
    x, f, s = (torch.randn(4, 3, generator=g, dtype=F64) for _ in range(3))
    torch.testing.assert_close(reverse_sde_drift(x, f, 2.0, s, 0.0), f - 4.0 * s)  # reverse SDE
    torch.testing.assert_close(reverse_sde_drift(x, f, 2.0, s, 1.0), f - 2.0 * s)  # prob. flow
    # lam = 1 with the OU coefficients (f = -x/2, g = 1) is the probability-flow drift.
    torch.testing.assert_close(
        reverse_sde_drift(x, -0.5 * x, 1.0, s, 1.0), reverse_ode_drift(x, 0.3, s)
    )
    with pytest.raises(ValueError, match="score"):
        reverse_sde_drift(x, f, 1.0, s[:, :2], 0.0)


# ------------------------------------------------------------------ VE SDE


def test_ve_sde_sample_increments_are_gaussian() -> None:
    n, K = 40000, 50
    sigma2 = torch.linspace(0.0, 1.0, K + 1, dtype=F64) ** 2 * 9.0 + 0.01
    g = _gen(2)
    x0 = torch.randn(n, generator=g, dtype=F64)
    noise = torch.randn(K, n, generator=g, dtype=F64)
    r = (ve_sde_sample(x0, sigma2, noise) - x0) / math.sqrt(float(sigma2[-1] - sigma2[0]))
    assert abs(float(r.mean())) < Z / math.sqrt(n)
    assert abs(float(r.var()) - 1.0) < Z * math.sqrt(2.0 / n)


def test_ve_sde_sample_exact_small_cases() -> None:
    x0 = torch.tensor([1.0, -1.0], dtype=F64)
    noise = torch.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=F64)
    sigma2 = torch.tensor([0.0, 4.0, 4.0], dtype=F64)  # a flat step is allowed
    torch.testing.assert_close(ve_sde_sample(x0, sigma2, noise), x0 + 2.0 * noise[0])
    empty = ve_sde_sample(x0, sigma2[:1], torch.zeros(0, 2, dtype=F64))
    torch.testing.assert_close(empty, x0)
    with pytest.raises(ValueError, match="non-decreasing"):
        ve_sde_sample(x0, torch.tensor([0.0, 2.0, 1.0], dtype=F64), noise)
    with pytest.raises(ValueError, match="noise"):
        ve_sde_sample(x0, sigma2, noise[:1])


# ---------------------------------------------------------- reverse SDE


def _discrete_variance(v: float, ts: torch.Tensor, lam: float) -> float:
    """Exact variance of the Euler-Maruyama chain for score(x, t) = -x / v_t, from x_T ~ p_T.

    One step is x <- a_k x + sqrt((1-lam) h) z with
    a_k = 1 + h/2 - (1 - lam/2) h / v_{t_k}.
    """
    var = _ou_var(v, float(ts[0]))
    for k in range(ts.shape[0] - 1):
        t_k, h = float(ts[k]), float(ts[k] - ts[k + 1])
        a = 1.0 + 0.5 * h - (1.0 - 0.5 * lam) * h / _ou_var(v, t_k)
        var = a * a * var + (1.0 - lam) * h
    return var


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.0])
def test_reverse_sde_sample_reproduces_p_t_min_for_gaussian_data(lam: float) -> None:
    v, T, t_min, K, n = 4.0, 2.0, 0.05, 1000, 20000
    ts = torch.linspace(T, t_min, K + 1, dtype=F64)
    g = _gen(int(10 * lam))
    x_T = math.sqrt(_ou_var(v, T)) * torch.randn(n, generator=g, dtype=F64)
    noise = torch.randn(K, n, generator=g, dtype=F64)

    def score(x: torch.Tensor, t: float) -> torch.Tensor:
        assert isinstance(t, float)
        return -x / _ou_var(v, t)

    x = reverse_sde_sample(x_T, ts, score, lam, noise)
    target = _ou_var(v, t_min)
    discrete = _discrete_variance(v, ts, lam)
    bias = abs(discrete / target - 1.0)
    assert bias < 0.01  # with 1000 steps the Euler-Maruyama bias is small
    ratio = float(x.var()) / target
    se = math.sqrt(2.0 / (n - 1))
    assert abs(float(x.var()) / discrete - 1.0) < Z * se, "against the discrete law"
    assert abs(ratio - 1.0) < Z * se + bias, f"against p_t_min: var ratio {ratio}"
    assert abs(float(x.mean())) < Z * math.sqrt(target / n)


def _mixture_score(x: torch.Tensor, t: float, m0: float, v0: float) -> torch.Tensor:
    """Exact score of p_t for data 0.5 N(-m0, v0) + 0.5 N(m0, v0) under the OU SDE.

    p_t = 0.5 N(-m, v) + 0.5 N(m, v) with m = m0 e^{-t/2}, v = v_t, whose score is
    (m tanh(m x / v) - x) / v.
    """
    m, v = m0 * math.exp(-t / 2), _ou_var(v0, t)
    return (m * torch.tanh(m * x / v) - x) / v


@pytest.mark.parametrize("lam", [0.0, 0.5, 1.0])
def test_reverse_sde_sample_gaussian_mixture_moments(lam: float) -> None:
    """Second moment and P(X > 0) of p_t_min for a two-component mixture."""
    m0, v0, T, t_min, K, n = 2.0, 0.25, 2.0, 0.05, 1000, 20000
    ts = torch.linspace(T, t_min, K + 1, dtype=F64)
    g = _gen(50 + int(10 * lam))
    comp = torch.randint(0, 2, (n,), generator=g)
    mu_T = (2.0 * comp.to(F64) - 1.0) * m0 * math.exp(-T / 2)
    x_T = mu_T + math.sqrt(_ou_var(v0, T)) * torch.randn(n, generator=g, dtype=F64)
    noise = torch.randn(K, n, generator=g, dtype=F64)
    x = reverse_sde_sample(x_T, ts, lambda y, t: _mixture_score(y, t, m0, v0), lam, noise)
    m_t, var_t = m0 * math.exp(-t_min / 2), _ou_var(v0, t_min)
    second = m_t**2 + var_t
    fourth = m_t**4 + 6 * m_t**2 * var_t + 3 * var_t**2
    se = math.sqrt((fourth - second**2) / n)
    # Euler-Maruyama bias allowance: 1 % of the moment (measured ~0.2 % at K = 1000).
    assert abs(float((x**2).mean()) - second) < Z * se + 0.01 * second
    frac = float((x > 0).double().mean())
    assert abs(frac - 0.5) < Z * math.sqrt(0.25 / n) + 0.005


def test_reverse_sde_sample_errors() -> None:
    x = torch.zeros(3, dtype=F64)
    ts = torch.tensor([1.0, 0.5, 0.1], dtype=F64)
    noise = torch.zeros(2, 3, dtype=F64)
    with pytest.raises(ValueError, match="lam must be <= 1"):
        reverse_sde_sample(x, ts, lambda y, t: -y, 1.5, noise)
    with pytest.raises(ValueError, match="strictly decreasing"):
        reverse_sde_sample(x, ts.flip(0), lambda y, t: -y, 0.0, noise)
    with pytest.raises(ValueError, match="noise"):
        reverse_sde_sample(x, ts, lambda y, t: -y, 0.0, noise[:1])
    with pytest.raises(ValueError, match="score"):
        reverse_sde_sample(x, ts, lambda y, t: y[:2], 0.0, noise)


def test_reverse_sde_sample_single_step_by_hand() -> None:
    x_T = torch.tensor([2.0], dtype=F64)
    ts = torch.tensor([1.0, 0.75], dtype=F64)
    noise = torch.tensor([[1.0]], dtype=F64)
    h, lam = 0.25, 0.5
    # x - h (f - (1 - lam/2) s) + sqrt((1 - lam) h) z with f = -1, s = -2 (score -x)
    want = 2.0 - h * (-1.0 - 0.75 * -2.0) + math.sqrt(0.5 * h) * 1.0
    got = reverse_sde_sample(x_T, ts, lambda y, t: -y, lam, noise)
    assert float(got) == pytest.approx(want, rel=1e-14)


# ---------------------------------------------------------------- quiz1 OU


def test_ou_sample_is_the_quiz_limit_and_a_semigroup() -> None:
    g = _gen(3)
    w0, n1, n2 = (torch.randn(4, 3, generator=g, dtype=F64) for _ in range(3))
    # quiz1 1(c): alpha = e^{-1/N}, ell = N t gives alpha^ell z0 + sqrt(1 - alpha^{2 ell}) eps.
    N, ell = 10, 7
    alpha = math.exp(-1.0 / N)
    want = alpha**ell * w0 + math.sqrt(1 - alpha ** (2 * ell)) * n1
    torch.testing.assert_close(ou_sample(w0, ell / N, n1), want, rtol=1e-12, atol=1e-12)
    # Markov/semigroup: two exact steps s then t equal one exact step s + t with the
    # combined noise (which is again standard normal).
    s, t = 0.3, 0.8
    a_t = math.exp(-t)
    b_s, b_t, b_st = (math.sqrt(1 - math.exp(-2 * u)) for u in (s, t, s + t))
    combined = (a_t * b_s * n1 + b_t * n2) / b_st
    two_steps = ou_sample(ou_sample(w0, s, n1), t, n2)
    torch.testing.assert_close(two_steps, ou_sample(w0, s + t, combined), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ou_sample(w0, 0.0, n1), w0)
    with pytest.raises(ValueError, match="t must be >= 0"):
        ou_sample(w0, -1.0, n1)


def test_ou_euler_steps_follow_their_discrete_law_and_approach_ou_sample() -> None:
    n, K, t_end, w_start = 40000, 200, 1.0, 1.5
    dt = t_end / K
    g = _gen(4)
    w = torch.full((n, 1), w_start, dtype=F64)
    for _ in range(K):
        w = ou_euler_step(w, dt, torch.randn(n, 1, generator=g, dtype=F64))
    mean_d = (1 - dt) ** K * w_start
    var_d = sum(2 * dt * (1 - dt) ** (2 * j) for j in range(K))
    assert abs(float(w.mean()) - mean_d) < Z * math.sqrt(var_d / n)
    assert abs(float(w.var()) / var_d - 1.0) < Z * math.sqrt(2.0 / n)
    # The discrete law is O(dt) away from the exact OU law of ou_sample.
    assert abs(mean_d - math.exp(-t_end) * w_start) < 2 * dt
    assert abs(var_d - (1 - math.exp(-2 * t_end))) < 2 * dt
    one = ou_euler_step(torch.tensor([[2.0]], dtype=F64), 0.5, torch.tensor([[1.0]], dtype=F64))
    assert float(one) == pytest.approx(2.0 - 1.0 + 1.0)
    with pytest.raises(ValueError, match="dt must be >= 0"):
        ou_euler_step(w, -0.1, w)
