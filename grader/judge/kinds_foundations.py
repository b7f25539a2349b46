"""Statistical and property checks of hw1.

Every kind here is named by the contract (``shared/spec/course.md``, hw1,
"Statistical checks" and "Conventions"). Statistical thresholds fail a
correct implementation with probability at most
:data:`~grader.judge.statistical.FALSE_FAILURE` (1e-6) over the check's seed.

===============================  =====================================================
kind                             property (contract, hw1)
===============================  =====================================================
``tweedie_exact_posterior``      y + Sigma score(y) equals the exact posterior mean
                                 of a Gaussian-mixture prior (problem 1)
``ffjord_autograd_grad``         adjoint gradient = autograd through the reference's
                                 RK4 log-density, rtol 1e-4, n_steps >= 8 (problem 3)
``ffjord_probe_average``         the gradient averaged over many probes nu matches
                                 the gradient of the exact-trace log-likelihood
``fokker_planck_convergence``    accuracy and order >= 1.8 against a closed-form
                                 right-hand side, several grids (problem 5)
``ve_increment_law``             X_K - X_0 ~ N(0, sigma2[-1] - sigma2[0]) (problem 6)
``reverse_sde_marginal``         with the exact mixture score and 1000 steps the
                                 samples follow p_{t_min}, per lam (problem 7)
===============================  =====================================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from scipy import stats

from grader.calls import CallRecord, PlannedCall
from grader.judge.checks import CheckContext, CheckKind, CheckResult, Elementwise, Outcome, float32_tier, summarise
from grader.judge.compare import compare
from grader.judge.statistical import FALSE_FAILURE, _value_array, gaussian_test
from grader.sandbox.codec import to_wire
from grader.sandbox.fixtures import build
from grader.values import SeqValue, Value, as_array, decode_value

__all__ = ["KINDS", "mixture_posterior_mean", "TweedieExactPosterior", "FFJORDAutogradGrad", "FFJORDProbeAverage",
           "FokkerPlanckConvergence", "VEIncrementLaw", "ReverseSDEMarginal",
           "rk4_autograd_grad", "probe_coefficients", "rademacher_mean_bound", "mixture_cdf",
           "ks_statistic"]


class _PerCase:
    """Accumulates per-case outcomes of a check (partial credit over cases)."""

    def __init__(self) -> None:
        self.passed = 0
        self.outcomes: list[Outcome] = []
        self.messages: list[str] = []
        self.notes: list[str] = []

    def ok(self) -> None:
        self.passed += 1
        self.outcomes.append("passed")

    def fail(self, message: str, outcome: Outcome = "failed") -> None:
        self.outcomes.append(outcome)
        self.messages.append(message)

    def call_failed(self, ctx: CheckContext, record: CallRecord, label: str) -> bool:
        """Record a call that errored or timed out; True if it did."""
        bad = CheckKind.failed_call(ctx, record)
        if bad is None:
            return False
        self.fail(f"{label}: {bad[1]}", bad[0])
        return True

    def mutated(self, record: CallRecord, label: str) -> bool:
        """Record a call that modified its inputs in place; True if it did."""
        if not record.outcome.mutated:
            return False
        self.fail(f"{label}: modified its input(s) {', '.join(record.outcome.mutated)} in place; "
                  "the contract forbids changing inputs.")
        return True

    def result(self, ctx: CheckContext, total: int) -> CheckResult:
        return summarise(ctx, self.passed, total, self.outcomes, self.messages, self.notes)


# -- problem 1 ----------------------------------------------------------------------------------
def mixture_posterior_mean(params: dict[str, Any], y: torch.Tensor) -> torch.Tensor:
    """Exact E[X | Y = y] for the prior of a ``noisy_mixture_score`` fixture, from its description.

    Parameters
    ----------
    params : dict
        The fixture's JSON parameters (:class:`~grader.sandbox.protocol.Fixture`
        ``params``): ``w`` (K positive weights, normalised here), ``means``
        ``[K, d]``, ``covs`` ``[K, d, d]`` and ``Sigma`` ``[d, d]``.
    y : (N, d) torch.Tensor
        Observations, float64.

    Returns
    -------
    (N, d) torch.Tensor
        float64, sum_k r_k(y) (m_k + C_k (C_k + Sigma)^{-1} (y - m_k)) with
        r_k(y) proportional to w_k N(y; m_k, C_k + Sigma) (log-sum-exp):
        for X ~ sum_k w_k N(m_k, C_k) and Y = X + Z, Z ~ N(0, Sigma), the
        posterior of X given Y = y is the mixture of these Gaussian
        posteriors with weights r_k(y).

    Raises
    ------
    ValueError
        If some C_k + Sigma is not positive definite.

    Notes
    -----
    Grader side only: computed from the description, without the score and
    without Tweedie's formula, never from the object the student received
    (which offers only its score, :class:`grader.sandbox.fixtures_foundations.NoisyMixtureScore`).
    Same arithmetic as that fixture's responsibilities.
    """
    weights = torch.tensor(params["w"], dtype=torch.float64)
    log_w = (weights / weights.sum()).log()
    means = torch.tensor(params["means"], dtype=torch.float64)
    covs = torch.tensor(params["covs"], dtype=torch.float64)
    chol, info = torch.linalg.cholesky_ex(covs + torch.tensor(params["Sigma"], dtype=torch.float64))
    if bool((info != 0).any()):
        raise ValueError("C_k + Sigma must be positive definite for every component")
    precisions = torch.cholesky_inverse(chol)  # (C_k + Sigma)^{-1}
    log_dets = 2 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)
    diff = y[:, None, :] - means  # [N, K, d]
    prec_diff = torch.einsum("kij,nkj->nki", precisions, diff)
    maha = (diff * prec_diff).sum(-1)  # [N, K]
    r = torch.softmax(log_w - 0.5 * log_dets - 0.5 * maha, dim=1)
    shrunk = torch.einsum("kij,nkj->nki", covs, prec_diff)  # C_k (C_k + Sigma)^{-1} (y - m_k)
    return (r[:, :, None] * (means + shrunk)).sum(1)


class TweedieExactPosterior(Elementwise):
    """``tweedie_posterior_mean`` equals the exact posterior mean of a Gaussian-mixture prior.

    Inputs (one call per rubric config, case ``tweedie_posterior_mean``):
    y ``[N, d]`` drawn from p_Y for X ~ sum_k w_k N(m_k, C_k) and
    Z ~ N(0, Sigma), Sigma ``[d, d]`` SPD, and ``score`` the exact
    grad log p_Y (fixture ``noisy_mixture_score``).

    Judge: the grader computes E[X | Y = y] directly from the mixture
    posterior, sum_k r_k(y) (m_k + C_k (C_k + Sigma)^{-1} (y - m_k)) with
    r_k(y) proportional to w_k N(y; m_k, C_k + Sigma), without the score
    and without Tweedie's formula, from the fixture's description
    (:func:`mixture_posterior_mean`; the object the student gets offers
    only the score), and compares the student's ``[N, d]``
    output elementwise with the check's ``rtol``/``atol``. Given the exact
    score the identity is exact, so this is deterministic (no false
    failures beyond rounding). Units: those of y. Points are split over
    the configs. Errors, timeouts and in-place changes fail a case. An
    :class:`~grader.judge.checks.Elementwise` kind, so its calls also serve
    to name a misconception.

    Source: hw1 problem 1, E[X | Y] = Y + Sigma grad log p_Y(Y) (Efron 2011,
    "Tweedie's formula and selection bias", JASA 106).
    """

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Compare with the mixture posterior mean, case by case."""
        acc = _PerCase()
        for i, record in enumerate(records):
            label = ctx.label(record.planned, i)
            if acc.call_failed(ctx, record, label) or acc.mutated(record, label):
                continue
            args = record.planned.args
            with torch.no_grad():
                exact = mixture_posterior_mean(args["score"].params, args["y"])
            result = compare(decode_value(to_wire(exact)), record.value, rtol=ctx.check.rtol,
                             atol=ctx.check.atol, what="posterior mean", float32=float32_tier(ctx, None))
            acc.notes.extend(result.notes)
            if result.ok:
                acc.ok()
            else:
                acc.fail(f"{label}: compared with the exact posterior mean E[X | Y = y] of the "
                         f"Gaussian-mixture prior (computed without the score): "
                         + " ".join(result.messages))
        return acc.result(ctx, len(records))


# -- problem 3 ----------------------------------------------------------------------------------
def rk4_autograd_grad(f: torch.nn.Module, x: torch.Tensor, nu: torch.Tensor,
                      n_steps: int) -> tuple[torch.Tensor, ...]:
    """Gradient of sum_n log p_hat(x_n) by autograd through the reference RK4 log-density.

    Parameters
    ----------
    f : nn.Module
        The vector field; gradients are taken w.r.t. ``tuple(f.parameters())``.
    x, nu : (N, D) torch.Tensor
        Data points and probes.
    n_steps : int
        RK4 steps.

    Returns
    -------
    tuple of torch.Tensor
        One detached tensor per parameter, same order and shapes (zeros for
        a parameter the log-density does not depend on).
    """
    from reference.hw1 import ffjord_log_density

    params = tuple(f.parameters())
    with torch.enable_grad():
        total = ffjord_log_density(f, x, nu, n_steps).sum()
        grads = torch.autograd.grad(total, params, allow_unused=True)
    return tuple(torch.zeros_like(p) if g is None else g.detach() for g, p in zip(grads, params))


def _gradient_tuple(value: Value, shapes: list[tuple[int, ...]]) -> tuple[list[np.ndarray] | None, str]:
    """The student's tuple of gradient tensors as arrays of the parameters' shapes."""
    if not isinstance(value, SeqValue):
        return None, (f"expected a tuple of {len(shapes)} gradient tensors (one per parameter of f), "
                      f"got {_describe(value)}")
    if len(value.items) != len(shapes):
        return None, (f"expected a tuple of {len(shapes)} gradient tensors (one per element of "
                      f"tuple(f.parameters())), got {len(value.items)} items")
    out = []
    for k, (item, shape) in enumerate(zip(value.items, shapes)):
        arr = as_array(item)
        if arr is None or arr.data.size != int(np.prod(shape, dtype=np.int64)):
            got = tuple(arr.data.shape) if arr is not None else _describe(item)
            return None, f"gradient {k} should have the shape {shape} of parameter {k}, got {got}"
        out.append(arr.data.reshape(shape))
    return out, ""


def _describe(value: Value) -> str:
    from grader.values import describe

    return describe(value)


class FFJORDAutogradGrad(Elementwise):
    """``ffjord_adjoint_grad`` equals autograd through the reference RK4 log-density.

    Inputs (case ``ffjord``): a tanh-MLP or linear field ``f`` (weights of
    scale <= 0.5), x and nu ``[N, D]``, n_steps >= 8 (the contract's
    minimum; a smaller value is a rubric error raised by :meth:`plan`).

    Judge: the expected value is the gradient of sum_n log p_hat(x_n)
    w.r.t. ``tuple(f.parameters())`` by autograd through the reference's
    ``ffjord_log_density`` (not the reference adjoint), and the student's
    tuple is compared elementwise with ``rtol`` (1e-4, the contract) and
    ``atol = rtol * max |expected|`` over all parameters. The scale-aware
    ``atol`` is needed because an adjoint solve and autograd through RK4
    differ by O(h^4) in absolute terms, so an entry of the gradient that
    happens to be near zero can have a large relative gap (measured: up to
    1.05e-4 relative on single entries, 5e-7 relative to the largest
    entry, over 60 fields of scale 0.5 at n_steps = 8). Both an adjoint
    implementation and autograd through one's own RK4 solve pass. Units:
    gradient of a log-density w.r.t. each weight. An
    :class:`~grader.judge.checks.Elementwise` kind, so its calls also serve
    to name a misconception.

    Source: hw1 problem 3 (adjoint state method; Chen et al. 2018,
    arXiv:1806.07366, eqs. 4-5; Grathwohl et al. 2018, arXiv:1810.01367).
    """

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """The configured cases; refuses n_steps < 8."""
        calls = super().plan(ctx)
        for call in calls:
            if int(call.args["n_steps"]) < 8:
                raise ValueError(f"{ctx.function.name} / {ctx.check.name}: the contract compares "
                                 "the adjoint with autograd only for n_steps >= 8")
        return calls

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Elementwise comparison per case with a scale-aware absolute tolerance."""
        acc = _PerCase()
        for i, record in enumerate(records):
            label = ctx.label(record.planned, i)
            if acc.call_failed(ctx, record, label) or acc.mutated(record, label):
                continue
            args = record.planned.args
            f = build(args["f"])
            expected = rk4_autograd_grad(f, args["x"], args["nu"], int(args["n_steps"]))
            names = tuple(f"gradient of {n}" for n, _ in f.named_parameters())
            scale = max(float(e.abs().max()) for e in expected)
            rtol = ctx.check.rtol
            result = compare(decode_value(to_wire(expected)), record.value, rtol=rtol,
                             atol=max(ctx.check.atol, rtol * scale), names=names,
                             float32=float32_tier(ctx, None))
            acc.notes.extend(result.notes)
            if result.ok:
                acc.ok()
            else:
                acc.fail(f"{label}: compared with autograd through the RK4 log-density "
                         f"(n_steps = {int(args['n_steps'])}; the adjoint may differ by O(h^4), "
                         f"absolute tolerance {rtol:g} x the largest gradient entry {scale:.3g}): "
                         + " ".join(result.messages))
        return acc.result(ctx, len(records))


def probe_coefficients(f: torch.nn.Module, x: torch.Tensor, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """The probe gradient as a quadratic form: exact-trace gradient and pair coefficients.

    For one data point x ``[1, D]`` the RK4 log-density is affine in
    nu nu^T (z does not depend on nu and l_hat is linear in nu nu^T), so its
    parameter gradient is G(nu) = G0 + sum_{i,j} G_ij nu_i nu_j.

    Parameters
    ----------
    f : nn.Module
        Vector field.
    x : (1, D) torch.Tensor
        The data point.
    n_steps : int
        RK4 steps.

    Returns
    -------
    exact : (P,) numpy.ndarray
        The gradient of the exact-trace RK4 log-likelihood, E_nu G(nu) for any
        probe law with E[nu nu^T] = I: sum_i G(e_i) - (D - 1) G(0). P is the
        number of parameters (flattened in ``tuple(f.parameters())`` order).
    pairs : (D(D-1)/2, P) numpy.ndarray
        For i < j, c_ij = G(e_i + e_j) - G(e_i) - G(e_j) + G(0), the
        coefficient of nu_i nu_j in G(nu). For Rademacher probes
        (nu_i^2 = 1) G(nu) - exact = sum_{i<j} c_ij nu_i nu_j.

    Notes
    -----
    Every G is autograd through the reference ``ffjord_log_density``.
    """
    D = x.shape[1]
    eye = torch.eye(D, dtype=x.dtype)

    def grad(nu: torch.Tensor) -> np.ndarray:
        g = rk4_autograd_grad(f, x, nu[None, :], n_steps)
        return torch.cat([t.reshape(-1) for t in g]).numpy()

    g0 = grad(torch.zeros(D, dtype=x.dtype))
    ge = [grad(eye[i]) for i in range(D)]
    exact = sum(ge) - (D - 1) * g0
    pairs = [grad(eye[i] + eye[j]) - ge[i] - ge[j] + g0 for i in range(D) for j in range(i + 1, D)]
    return np.asarray(exact), np.asarray(pairs).reshape(len(pairs), -1)


def rademacher_mean_bound(n: int, alpha: float) -> float:
    """T with P(|mean of n i.i.d. Rademacher signs| > t) <= alpha, from the exact binomial law.

    With B ~ Binomial(n, 1/2) the mean is (2B - n)/n; b is the smallest
    integer with 2 P(B > b) <= alpha, and t = (2b - n)/n.
    """
    b = int(stats.binom.isf(alpha / 2, n, 0.5))
    while 2 * stats.binom.sf(b, n, 0.5) > alpha:  # guard against a rounded isf
        b += 1
    return (2 * b - n) / n


class FFJORDProbeAverage(CheckKind):
    """``ffjord_adjoint_grad`` averaged over many probes is the exact-trace gradient.

    Inputs (case ``ffjord`` with ``repeat: true``, ``probe: rademacher``):
    one data point x repeated on P rows, each row with its own Rademacher
    probe nu_n ``[D]``, so the student's output (the gradient of the sum
    over rows) is P times the probe average of the per-probe gradient.

    Judge: the target is the gradient of the exact-trace RK4
    log-likelihood of x, E_nu G(nu) (:func:`probe_coefficients`, computed
    from the reference, never from the student). For Rademacher probes
    the deviation of the probe average from it is exactly
    sum_{i<j} c_ij m_ij, with m_ij the mean of the P signs nu_ni nu_nj,
    each a mean of P i.i.d. Rademacher variables. With t from the exact
    binomial law at FALSE_FAILURE / (number of pairs)
    (:func:`rademacher_mean_bound`, union bound over the pairs), every
    coordinate k satisfies |average_k - target_k| <= t sum_{i<j} |c_ij,k|
    with probability >= 1 - 1e-6 (no normal approximation). A slack of
    1e-4 x the largest target entry is added for the O(h^4) gap between an
    adjoint solve and autograd through RK4 (measured <= 5e-7 of it). For
    D = 2 and P = 1000 the bound is 0.154 |c_12,k|: a biased estimator (a
    dropped Hessian term, a sign error in a(0)) is off by the size of the
    trace gradient itself. Units: gradient per weight. One config; all or
    nothing.

    Source: hw1 problem 3, E_nu[d log p_hat / d theta] = d log p / d theta
    (Hutchinson 1989; Grathwohl et al. 2018, arXiv:1810.01367, eq. 7).
    """

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """The configured cases; refuses inputs that are not one repeated point with Rademacher probes."""
        calls = super().plan(ctx)
        for call in calls:
            x, nu = call.args["x"], call.args["nu"]
            if not (bool((x == x[:1]).all()) and bool((nu.abs() == 1).all())):
                raise ValueError(f"{ctx.function.name} / {ctx.check.name}: needs one data point repeated "
                                 "on every row and Rademacher probes (case ffjord, repeat: true, "
                                 "probe: rademacher)")
        return calls

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Deviation of the probe average from the exact-trace gradient, per coordinate."""
        acc = _PerCase()
        for i, record in enumerate(records):
            label = ctx.label(record.planned, i)
            if acc.call_failed(ctx, record, label) or acc.mutated(record, label):
                continue
            args = record.planned.args
            x, n_steps = args["x"], int(args["n_steps"])
            P = x.shape[0]
            f = build(args["f"])
            names = [n for n, _ in f.named_parameters()]
            shapes = [tuple(p.shape) for p in f.parameters()]
            grads, why = _gradient_tuple(record.value, shapes)
            if grads is None:
                acc.fail(f"{label}: {why}.")
                continue
            average = np.concatenate([g.reshape(-1) for g in grads]) / P
            exact, pairs = probe_coefficients(f, x[:1], n_steps)
            t = rademacher_mean_bound(P, FALSE_FAILURE / max(len(pairs), 1))
            slack = 1e-4 * float(np.max(np.abs(exact)))
            bound = t * np.abs(pairs).sum(0) + slack
            dev = average - exact
            bad = ~(np.abs(dev) <= bound)
            if not bad.any():
                acc.ok()
                continue
            worst = int(np.argmax(np.where(np.isfinite(dev), np.abs(dev) / bound, np.inf)))
            where = _parameter_index(names, shapes, worst)
            acc.fail(f"{label}: averaged over P = {P:,} Rademacher probes (one data point repeated), "
                     f"the gradient divided by P should match the gradient of the exact-trace "
                     f"log-likelihood; {int(bad.sum())} of {bad.size} entries are outside the "
                     f"accepted range. Worst: {where}: measured {average[worst]:.6g}, expected "
                     f"{exact[worst]:.6g} (accepted within +/-{bound[worst]:.3g}, the exact "
                     f"probe-noise bound at false-failure {FALSE_FAILURE:g}). A biased gradient: "
                     f"check the term d/dtheta (nu^T (df/dz) nu) and the signs of a(0) and b.")
        return acc.result(ctx, len(records))


def _parameter_index(names: list[str], shapes: list[tuple[int, ...]], flat: int) -> str:
    for name, shape in zip(names, shapes):
        size = int(np.prod(shape, dtype=np.int64))
        if flat < size:
            idx = tuple(int(k) for k in np.unravel_index(flat, shape)) if shape else ()
            return f"{name}{list(idx)}"
        flat -= size
    return f"entry {flat}"  # pragma: no cover


# -- problem 5 ----------------------------------------------------------------------------------
class FokkerPlanckConvergence(CheckKind):
    """``fokker_planck_rhs``: accuracy and second-order convergence against a closed form.

    The contract accepts any consistent second-order finite-difference
    scheme, so the output is not compared with the reference's scheme.
    Each rubric config poses one problem (case ``fokker_planck_rhs``:
    density p a Gaussian or a two-component Gaussian mixture, drift
    -a x or -a x + b sin(c x) or 0, constant rho) on the uniform grids with
    ``params.intervals`` intervals (M = intervals + 1 points; default
    100, 200, 400): one sandbox call per grid, the same problem on each.

    Judge: with the exact right-hand side -(f p)' + rho^2/2 p'' at
    x[1:-1] (:class:`grader.cases.foundations.FokkerPlanckProblem`), the
    error on a grid is e_h = max |output - exact| / max |exact| (relative
    max-norm, dimensionless). A config passes when the observed order
    log2(e_h / e_{h/2}) is at least ``params.min_order`` (1.8) for every
    pair of successive grids and the error on the finest grid is at most
    ``params.max_error`` (0.02). Measured on these problems: the flux-form
    central scheme and the product-rule scheme have e = 2e-3..6e-3 at 200
    intervals and orders 1.97-2.00; a first-order upwind advection term
    gives order ~1.0, and rho^2 in place of rho^2/2 an O(1) error that does
    not decrease (order ~0); a fourth-order scheme passes (order ~4).
    Deterministic: no false failures. Points are split over the configs.

    Source: hw1 problem 5, d p/d t = -div(f p) + rho^2/2 Laplace(p), d = 1.
    """

    DEFAULT_INTERVALS = (100, 200, 400)

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """One call per (config, grid); the problem depends on the config's seed only."""
        from grader.cases import generate

        intervals = ctx.check.params.get("intervals", self.DEFAULT_INTERVALS)
        calls = []
        for i, config in enumerate(ctx.check.configs):
            for n in intervals:
                args = generate(ctx.check.case or "fokker_planck_rhs", ctx.generator(i),
                                {**config, "M": int(n) + 1})
                calls.append(PlannedCall(args, f"{config.get('problem', 'mixture')} problem, "
                                               f"M = {int(n) + 1} grid points"))
        return calls

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Errors per grid, observed orders, and the finest error per config."""
        from grader.cases.foundations import fokker_planck_problem

        intervals = list(ctx.check.params.get("intervals", self.DEFAULT_INTERVALS))
        min_order = float(ctx.check.params.get("min_order", 1.8))
        max_error = float(ctx.check.params.get("max_error", 0.02))
        acc = _PerCase()
        n_grids = len(intervals)
        for i, config in enumerate(ctx.check.configs):
            group = records[i * n_grids:(i + 1) * n_grids]
            problem = config.get("problem", "mixture")
            label = f"case {i + 1} ({problem} problem)" if ctx.check.visibility == "public" else f"case {i + 1}"
            prob = fokker_planck_problem(ctx.generator(i), problem)
            errors: list[float] = []
            why, outcome = "", "failed"
            for record in group:
                x = record.planned.args["x"]
                M = x.shape[0]
                bad = self.failed_call(ctx, record)
                if bad is not None:
                    why, outcome = f"M = {M}: {bad[1]}", bad[0]
                    break
                if record.outcome.mutated:
                    why = f"M = {M}: modified its input(s) {', '.join(record.outcome.mutated)} in place"
                    break
                out, text = _value_array(ctx, record, (M - 2,))
                if out is None:
                    why = f"M = {M}: {text} (the M - 2 interior points x[1:-1])"
                    break
                exact = prob.rhs(x[1:-1]).numpy()
                err = float(np.max(np.abs(out - exact)) / np.max(np.abs(exact)))
                if not math.isfinite(err):
                    why = f"M = {M}: the output contains NaN or infinite values"
                    break
                errors.append(err)
            if why:
                acc.fail(f"{label}: {why}", outcome)  # type: ignore[arg-type]
                continue
            orders = [math.log2(errors[k] / errors[k + 1]) if errors[k + 1] > 0 else math.inf
                      for k in range(len(errors) - 1)]
            table = ", ".join(f"{e:.3g} at M = {n + 1}" for e, n in zip(errors, intervals))
            order_text = ", ".join(f"{o:.2f}" for o in orders)
            ok_order = all(o >= min_order for o in orders)
            ok_error = errors[-1] <= max_error
            if ok_order and ok_error:
                acc.ok()
                continue
            reasons = []
            if not ok_order:
                reasons.append(f"observed orders {order_text} (at least {min_order:g} required for a "
                               f"second-order scheme)")
            if not ok_error:
                reasons.append(f"error {errors[-1]:.3g} on the finest grid (at most {max_error:g} allowed)")
            acc.fail(f"{label}: compared with the exact -(f p)' + rho^2/2 p'' at x[1:-1], the relative "
                     f"max error is {table}; " + " and ".join(reasons) + ".")
        return acc.result(ctx, len(ctx.check.configs))


# -- problem 6 ----------------------------------------------------------------------------------
class VEIncrementLaw(CheckKind):
    """``ve_sde_sample``: X_K - X_0 ~ N(0, sigma2[K] - sigma2[0]), independently per sample.

    Inputs (case ``ve_sde_sample``): x0 ``[N]``, sigma2 ``[K+1]``
    non-decreasing with sigma2[0] > 0 (so that mistakes that are exact for
    sigma_0 = 0 are visible), noise ``[K, N]`` standard normal, N a few
    thousand.

    Judge: z = (X_K - x0) / sqrt(sigma2[K] - sigma2[0]) must be i.i.d.
    N(0, 1): :func:`grader.judge.statistical.gaussian_test` (mean by a
    normal quantile, sum of squares by the exact chi-square(N) quantiles,
    two-sided, total false failure FALSE_FAILURE). The law is exact for
    the contract's scheme (a sum of independent Gaussian increments) at
    every K. Units: those of x. One config; all or nothing.

    Source: hw1 problem 6, X_t | X_0 ~ N(X_0, sigma_t^2 - sigma_0^2) for
    dX = sqrt(d sigma_t^2/dt) dW (Song et al. 2021, arXiv:2011.13456, eq. 9).
    """

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """Standardise the increments and test N(0, 1)."""
        acc = _PerCase()
        for i, record in enumerate(records):
            label = ctx.label(record.planned, i)
            if acc.call_failed(ctx, record, label) or acc.mutated(record, label):
                continue
            args = record.planned.args
            x0 = args["x0"].numpy()
            sigma2 = args["sigma2"].numpy()
            out, why = _value_array(ctx, record, x0.shape)
            if out is None:
                acc.fail(f"{label}: {why}")
                continue
            var = float(sigma2[-1] - sigma2[0])
            ok, text = gaussian_test((out - x0) / math.sqrt(var), FALSE_FAILURE / len(records))
            if ok:
                acc.ok()
            else:
                acc.fail(f"{label}: the increments X_K - X_0 should be N(0, sigma2[K] - sigma2[0]) = "
                         f"N(0, {var:.4g}); after dividing by sqrt({var:.4g}): {text}.")
        return acc.result(ctx, len(records))


# -- problem 7 ----------------------------------------------------------------------------------
def mixture_cdf(x: np.ndarray, w: np.ndarray, means: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """CDF of the 1-d Gaussian mixture sum_k w_k N(means_k, variances_k) at ``x``."""
    z = (np.asarray(x, dtype=np.float64)[..., None] - means) / np.sqrt(variances)
    return np.asarray((w * stats.norm.cdf(z)).sum(-1), dtype=np.float64)


def ks_statistic(sample: np.ndarray, cdf: Any) -> float:
    """Kolmogorov-Smirnov distance sup_x |F_n(x) - F(x)| of a sample to a continuous CDF."""
    xs = np.sort(np.asarray(sample, dtype=np.float64).ravel())
    n = xs.size
    F = cdf(xs)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))


class ReverseSDEMarginal(CheckKind):
    """``reverse_sde_sample`` with the exact score and many steps reproduces p_{t_min}.

    Inputs (case ``reverse_sde_sample``, one call per rubric config, one
    config per lam in {0, 1/2, 1}): a 1-d Gaussian-mixture data set p_0
    (2 components, means in [-2, 2], standard deviations in [0.35, 0.6]),
    its exact score under dX = -X/2 dt + dW (fixture ``ou_mixture_score``),
    x_T ``[N]`` drawn from the exact p_T, K >= 1000 equal steps from T = 2
    to t_min = 0.05, noise ``[K, N]``.

    Judge: the Kolmogorov-Smirnov distance D between the N outputs and
    the exact mixture CDF of p_{t_min} (same weights, component means
    gamma m_k and variances gamma^2 s_k^2 + sigma^2 at t_min) must be at
    most c + ``params.em_bias``, where c is the exact critical value of
    the KS statistic for N samples at FALSE_FAILURE / (number of configs)
    (``scipy.stats.kstwo``, distribution-free) and ``em_bias`` (default
    0.003) bounds sup |CDF of the Euler-Maruyama output - CDF of p_{t_min}|.
    Since D(exact) <= D(EM law) + that gap, a correct sampler fails with
    probability <= 1e-6. Measured gap (exact law of the discrete chain
    propagated on a grid, 15 mixtures across the case's ranges, K = 1000,
    T = 2, t_min = 0.05): at most 8.0e-4 (lam = 0), 6.2e-4 (lam = 1/2),
    5.3e-4 (lam = 1), shrinking as 1/K (6.9e-3 at K = 100), against
    c = 0.062 at N = 2000: the margin 0.003 is ~4x the worst measured
    gap and 5% of c. With few steps the bias is visible, so
    ``plan`` refuses configs with K < 1000. Units: probability (CDF).
    Points are split over the configs (one per lam).

    Source: hw1 problem 7: the reverse SDEs with drift f - (1 - lam/2) g^2
    grad log p_t and diffusion sqrt(1 - lam) g have marginals p_t for every
    lam <= 1 (Song et al. 2021, arXiv:2011.13456, eqs. 6 and 13).
    """

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """The configured cases; refuses K < 1000 (Euler-Maruyama bias)."""
        calls = super().plan(ctx)
        for call in calls:
            if call.args["noise"].shape[0] < 1000 or call.args["score"].name != "ou_mixture_score":
                raise ValueError(f"{ctx.function.name} / {ctx.check.name}: needs the exact mixture "
                                 "score and at least 1000 steps")
        return calls

    def judge(self, ctx: CheckContext, records: list[CallRecord]) -> CheckResult:
        """KS distance to the exact p_{t_min}, one case per lam."""
        em_bias = float(ctx.check.params.get("em_bias", 0.003))
        acc = _PerCase()
        for i, record in enumerate(records):
            args = record.planned.args
            lam = float(args["lam"])
            label = f"case {i + 1} (lam = {lam:g})"
            if acc.call_failed(ctx, record, label) or acc.mutated(record, label):
                continue
            x_T = args["x_T"].numpy()
            out, why = _value_array(ctx, record, x_T.shape)
            if out is None:
                acc.fail(f"{label}: {why}")
                continue
            if not np.all(np.isfinite(out)):
                acc.fail(f"{label}: the samples contain NaN or infinite values.")
                continue
            params = args["score"].params
            w = np.asarray(params["w"], dtype=np.float64)
            w = w / w.sum()
            m = np.asarray(params["means"], dtype=np.float64)
            s = np.asarray(params["stds"], dtype=np.float64)
            t_min = float(args["ts"][-1])
            gamma = math.exp(-t_min / 2)
            mu, var = gamma * m, gamma**2 * s**2 - math.expm1(-t_min)
            N = out.size
            D = ks_statistic(out, lambda x, w=w, mu=mu, var=var: mixture_cdf(x, w, mu, var))
            crit = float(stats.kstwo.isf(FALSE_FAILURE / len(records), N))
            limit = crit + em_bias
            if D <= limit:
                acc.ok()
                continue
            mean = float(np.dot(w, mu))
            std = math.sqrt(float(np.dot(w, var + mu**2)) - mean**2)
            acc.fail(f"{label}: with the exact score and {args['noise'].shape[0]} steps the {N:,} samples "
                     f"should follow p_t at t_min = {t_min:g} (a Gaussian mixture with mean {mean:.4g} "
                     f"and standard deviation {std:.4g}); the samples have mean {out.mean():.4g} and "
                     f"standard deviation {out.std():.4g}, and their Kolmogorov-Smirnov distance to "
                     f"p_t is {D:.4f} (accepted up to {limit:.4f}: the exact critical value {crit:.4f} "
                     f"plus {em_bias:g} for the Euler-Maruyama bias).")
        return acc.result(ctx, len(records))


KINDS: dict[str, CheckKind] = {
    "tweedie_exact_posterior": TweedieExactPosterior(),
    "ffjord_autograd_grad": FFJORDAutogradGrad(),
    "ffjord_probe_average": FFJORDProbeAverage(),
    "fokker_planck_convergence": FokkerPlanckConvergence(),
    "ve_increment_law": VEIncrementLaw(),
    "reverse_sde_marginal": ReverseSDEMarginal(),
}
