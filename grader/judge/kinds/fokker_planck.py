"""Check kind of the Fokker-Planck right-hand side (hw1 problem 5).

``fokker_planck_convergence``: accuracy and order >= 1.8 against a
closed-form right-hand side, on several grids. Deterministic: no false
failures.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.calls import CallRecord, PlannedCall
from grader.cases import generate
from grader.cases.fokker_planck import fokker_planck_problem
from grader.judge.checks import Case, CheckContext, CheckKind, Verdict, value_array

__all__ = ["KINDS", "FokkerPlanckConvergence", "FokkerPlanckParams"]


class FokkerPlanckParams(BaseModel):
    """Rubric ``params`` of ``fokker_planck_convergence``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intervals: tuple[int, ...] = Field((100, 200, 400), min_length=2,
                                       description="Grid intervals, coarse to fine (M = intervals + 1 points).")
    min_order: float = Field(1.8, gt=0, description="Least observed order between successive grids.")
    max_error: float = Field(0.02, gt=0, description="Largest relative max error on the finest grid.")


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
    x[1:-1] (:class:`grader.cases.fokker_planck.FokkerPlanckProblem`), the
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

    Params = FokkerPlanckParams

    def plan(self, ctx: CheckContext) -> list[PlannedCall]:
        """One call per (config, grid); the problem depends on the config's seed only."""
        intervals = self.params(ctx.check).intervals
        calls = []
        for i, config in enumerate(ctx.check.configs):
            for n in intervals:
                args = generate(ctx.check.case or "fokker_planck_rhs", ctx.generator(i),
                                {**config, "M": int(n) + 1})
                calls.append(PlannedCall(args, f"{config.get('problem', 'mixture')} problem, "
                                               f"M = {int(n) + 1} grid points"))
        return calls

    def cases(self, ctx: CheckContext, records: list[CallRecord]) -> list[list[CallRecord]]:
        """One case per config: its calls on every grid."""
        n = len(self.params(ctx.check).intervals)
        return [records[i * n:(i + 1) * n] for i in range(len(ctx.check.configs))]

    def case_label(self, ctx: CheckContext, records: list[CallRecord], index: int) -> str:
        """The problem's name for public checks."""
        problem = ctx.check.configs[index].get("problem", "mixture")
        return f"case {index + 1} ({problem} problem)" if ctx.check.visibility == "public" else f"case {index + 1}"

    def call_name(self, record: CallRecord) -> str:
        """The grid of the call."""
        return f"M = {record.planned.args['x'].shape[0]}"

    def judge_case(self, ctx: CheckContext, case: Case) -> Verdict:
        """Errors per grid, observed orders, and the finest error."""
        p = self.params(ctx.check)
        prob = fokker_planck_problem(ctx.generator(case.index), ctx.check.configs[case.index].get("problem", "mixture"))
        errors: list[float] = []
        for record in case.records:
            x = record.planned.args["x"]
            M = x.shape[0]
            out, text = value_array(record, (M - 2,))
            if out is None:
                return Verdict.fail(f"M = {M}: {text} (the M - 2 interior points x[1:-1])")
            exact = prob.rhs(x[1:-1]).numpy()
            err = float(np.max(np.abs(out - exact)) / np.max(np.abs(exact)))
            if not math.isfinite(err):
                return Verdict.fail(f"M = {M}: the output contains NaN or infinite values")
            errors.append(err)
        orders = [math.log2(errors[k] / errors[k + 1]) if errors[k + 1] > 0 else math.inf
                  for k in range(len(errors) - 1)]
        ok_order = all(o >= p.min_order for o in orders)
        ok_error = errors[-1] <= p.max_error
        if ok_order and ok_error:
            return Verdict(True)
        reasons = []
        if not ok_order:
            reasons.append(f"observed orders {', '.join(f'{o:.2f}' for o in orders)} (at least "
                           f"{p.min_order:g} required for a second-order scheme)")
        if not ok_error:
            reasons.append(f"error {errors[-1]:.3g} on the finest grid (at most {p.max_error:g} allowed)")
        table = ", ".join(f"{e:.3g} at M = {n + 1}" for e, n in zip(errors, p.intervals))
        return Verdict.fail(f"compared with the exact -(f p)' + rho^2/2 p'' at x[1:-1], the relative max "
                            f"error is {table}; " + " and ".join(reasons) + ".")


KINDS: dict[str, CheckKind] = {"fokker_planck_convergence": FokkerPlanckConvergence()}
