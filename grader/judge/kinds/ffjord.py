"""Check kinds of FFJORD (hw1 problem 3): the adjoint gradient of the RK4 log-density.

===============================  =====================================================
kind                             property (contract, hw1)
===============================  =====================================================
``ffjord_autograd_grad``         adjoint gradient = autograd through the reference's
                                 RK4 log-density, rtol 1e-4, n_steps >= 8
``ffjord_probe_average``         the gradient averaged over many probes nu matches
                                 the gradient of the exact-trace log-likelihood
===============================  =====================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from grader.judge.checks import Case, CheckContext, CheckKind, Verdict
from grader.judge.compare import compare
from grader.judge.expected import float32_tier
from grader.judge.kinds.elementwise import Elementwise
from grader.judge.planning import config_value
from grader.judge.stats import FALSE_FAILURE, rademacher_mean_bound
from grader.sandbox.codec import to_wire
from grader.sandbox.fixtures import build
from grader.values import SeqValue, Value, as_array, decode_value, describe
from reference.ffjord import ffjord_log_density

if TYPE_CHECKING:
    from grader.rubric import Check

__all__ = ["KINDS", "rk4_autograd_grad", "probe_coefficients", "FFJORDAutogradGrad", "FFJORDProbeAverage"]

#: The contract compares the adjoint with autograd only from this many RK4 steps on.
MIN_STEPS = 8


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
    params = tuple(f.parameters())
    with torch.enable_grad():
        total = ffjord_log_density(f, x, nu, n_steps).sum()
        grads = torch.autograd.grad(total, params, allow_unused=True)
    return tuple(torch.zeros_like(p) if g is None else g.detach() for g, p in zip(grads, params))


def _gradient_tuple(value: Value, shapes: list[tuple[int, ...]]) -> tuple[list[np.ndarray] | None, str]:
    """The student's tuple of gradient tensors as arrays of the parameters' shapes."""
    if not isinstance(value, SeqValue):
        return None, (f"expected a tuple of {len(shapes)} gradient tensors (one per parameter of f), "
                      f"got {describe(value)}")
    if len(value.items) != len(shapes):
        return None, (f"expected a tuple of {len(shapes)} gradient tensors (one per element of "
                      f"tuple(f.parameters())), got {len(value.items)} items")
    out = []
    for k, (item, shape) in enumerate(zip(value.items, shapes)):
        arr = as_array(item)
        if arr is None or arr.data.size != int(np.prod(shape, dtype=np.int64)):
            got = tuple(arr.data.shape) if arr is not None else describe(item)
            return None, f"gradient {k} should have the shape {shape} of parameter {k}, got {got}"
        out.append(arr.data.reshape(shape))
    return out, ""


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

    def validate(self, check: Check) -> None:
        """Refuse configs with fewer than :data:`MIN_STEPS` RK4 steps.

        Raises
        ------
        ValueError
            If a config has n_steps < 8.
        """
        super().validate(check)
        for config in check.configs:
            if int(config_value(check, config, "n_steps") or 0) < MIN_STEPS:
                raise ValueError(f"n_steps must be at least {MIN_STEPS}: the contract compares the adjoint "
                                 "with autograd only for n_steps >= 8")

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Elementwise comparison with a scale-aware absolute tolerance."""
        args = case.args
        f = build(args["f"])
        expected = rk4_autograd_grad(f, args["x"], args["nu"], int(args["n_steps"]))
        names = tuple(f"gradient of {n}" for n, _ in f.named_parameters())
        scale = max(float(e.abs().max()) for e in expected)
        rtol = ctx.check.rtol
        result = compare(decode_value(to_wire(expected)), case.record.value, rtol=rtol,
                         atol=max(ctx.check.atol, rtol * scale), names=names,
                         float32=float32_tier(ctx, None))
        if result.ok:
            return Verdict(True, notes=result.notes)
        return Verdict(False, [f"compared with autograd through the RK4 log-density (n_steps = "
                               f"{int(args['n_steps'])}; the adjoint may differ by O(h^4), absolute "
                               f"tolerance {rtol:g} x the largest gradient entry {scale:.3g}): "
                               + " ".join(result.messages)], result.notes)


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

    def validate(self, check: Check) -> None:
        """Refuse configs that are not one repeated point with Rademacher probes.

        Raises
        ------
        ValueError
            Unless every config has ``repeat: true`` and ``probe: rademacher``.
        """
        super().validate(check)
        for config in check.configs:
            if config_value(check, config, "repeat") is not True or \
                    config_value(check, config, "probe") != "rademacher":
                raise ValueError("needs one data point repeated on every row and Rademacher probes "
                                 "(case ffjord, repeat: true, probe: rademacher)")

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Deviation of the probe average from the exact-trace gradient, per coordinate."""
        x, n_steps = case.args["x"], int(case.args["n_steps"])
        P = x.shape[0]
        f = build(case.args["f"])
        names = [n for n, _ in f.named_parameters()]
        shapes = [tuple(p.shape) for p in f.parameters()]
        grads, why = _gradient_tuple(case.record.value, shapes)
        if grads is None:
            return Verdict.fail(f"{why}.")
        average = np.concatenate([g.reshape(-1) for g in grads]) / P
        exact, pairs = probe_coefficients(f, x[:1], n_steps)
        t = rademacher_mean_bound(P, FALSE_FAILURE / max(len(pairs), 1))
        bound = t * np.abs(pairs).sum(0) + 1e-4 * float(np.max(np.abs(exact)))
        dev = average - exact
        bad = ~(np.abs(dev) <= bound)
        if not bad.any():
            return Verdict(True)
        worst = int(np.argmax(np.where(np.isfinite(dev), np.abs(dev) / bound, np.inf)))
        return Verdict.fail(
            f"averaged over P = {P:,} Rademacher probes (one data point repeated), the gradient divided by "
            f"P should match the gradient of the exact-trace log-likelihood; {int(bad.sum())} of {bad.size} "
            f"entries are outside the accepted range. Worst: {_parameter_index(names, shapes, worst)}: "
            f"measured {average[worst]:.6g}, expected {exact[worst]:.6g} (accepted within "
            f"+/-{bound[worst]:.3g}, the exact probe-noise bound at false-failure {FALSE_FAILURE:g}). A "
            "biased gradient: check the term d/dtheta (nu^T (df/dz) nu) and the signs of a(0) and b.")


def _parameter_index(names: list[str], shapes: list[tuple[int, ...]], flat: int) -> str:
    for name, shape in zip(names, shapes):
        size = int(np.prod(shape, dtype=np.int64))
        if flat < size:
            idx = tuple(int(k) for k in np.unravel_index(flat, shape)) if shape else ()
            return f"{name}{list(idx)}"
        flat -= size
    return f"entry {flat}"  # pragma: no cover


KINDS: dict[str, CheckKind] = {
    "ffjord_autograd_grad": FFJORDAutogradGrad(),
    "ffjord_probe_average": FFJORDProbeAverage(),
}
