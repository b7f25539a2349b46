"""Finite-difference right-hand side of the 1-d Fokker-Planck equation (hw1 problem 5).

For dX_t = f(X_t, t) dt + rho dW_t the marginal densities satisfy

    d p / d t = -d/dx (f p) + rho^2/2 d^2 p / dx^2.

Given p and f sampled on a uniform grid, the right-hand side is evaluated
at the interior points with second-order central differences. The contract
accepts any consistent second-order scheme; the grader checks accuracy and
order against an exact solution, not against this scheme. Tensors are
``torch.float64``.

Glossary (hw1 problem 5):

=========  =============  ===============================================
code       symbol         meaning
=========  =============  ===============================================
``x``      x_i            uniform grid, x_i = x_0 + i h, i = 0..M-1
``h``      h              grid spacing
``p``      p_t(x_i)       density on the grid
``f``      f(x_i, t)      drift on the grid
``rho``    rho(t)         diffusion coefficient (a number)
``flux``   f p            advective flux
=========  =============  ===============================================
"""

from __future__ import annotations

import torch

from reference._validate import require_scalar, require_tensor

__all__ = ["fokker_planck_rhs"]


def fokker_planck_rhs(
    p: torch.Tensor, x: torch.Tensor, f: torch.Tensor, rho: float | torch.Tensor
) -> torch.Tensor:
    r"""Right-hand side of the Fokker-Planck equation at the interior grid points.

    Parameters
    ----------
    p : (M,) torch.Tensor
        Density p_t(x_i) on the grid.
    x : (M,) torch.Tensor
        Uniform grid (constant non-zero spacing), M >= 3.
    f : (M,) torch.Tensor
        Drift f(x_i, t) on the grid.
    rho : float or 0-dim torch.Tensor
        Diffusion coefficient rho(t).

    Returns
    -------
    (M-2,) torch.Tensor
        Approximation of d p / d t at ``x[1:-1]``, with error O(h^2).

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the shapes differ, M < 3, or the grid is not uniform.

    Notes
    -----
    hw1 problem 5 (the Fokker-Planck equation with d = 1):

    .. math::

        \partial_t p(x_i) \approx
        -\frac{(fp)_{i+1} - (fp)_{i-1}}{2h}
        + \frac{\rho^2}{2}\,\frac{p_{i+1} - 2p_i + p_{i-1}}{h^2},

    both central differences having truncation error O(h^2).
    """
    require_tensor(p, "p", ndim=1)
    require_tensor(x, "x", ndim=1)
    require_tensor(f, "f", ndim=1)
    M = x.shape[0]
    if M < 3:
        raise ValueError(f"x must have at least 3 grid points (M >= 3), got M={M}")
    for name, value in (("p", p), ("f", f)):
        if value.shape != x.shape:
            raise ValueError(
                f"{name} must have the shape of x, ({M},), got {tuple(value.shape)}"
            )
    rho_ = require_scalar(rho, "rho", like=p)

    h = (x[-1] - x[0]) / (M - 1)
    if not bool(h != 0):
        raise ValueError(f"x must have non-zero spacing, got x[0] = x[-1] = {x[0].item()!r}")
    spacing_error = ((x[1:] - x[:-1]) - h).abs().max()
    if bool(spacing_error > 1e-6 * h.abs()):
        raise ValueError(
            f"x must be a uniform grid, but its spacings differ from h={h.item()!r} by up to "
            f"{spacing_error.item()!r}"
        )

    flux = f * p
    advection = -(flux[2:] - flux[:-2]) / (2 * h)
    diffusion = 0.5 * rho_**2 * (p[2:] - 2 * p[1:-1] + p[:-2]) / h**2
    return advection + diffusion
