"""Problem set-up objects of hw1; see :mod:`grader.sandbox.fixtures`.

Vector fields for FFJORD (problem 3), the score of a Gaussian mixture seen
through Gaussian noise (Tweedie, problem 1), and the exact score of a
Gaussian-mixture data set under the OU forward SDE (the reverse-SDE family,
problem 7). Each is a float64 ``torch.nn.Module`` (weights are
``nn.Parameter``s where the contract differentiates through them), built
identically in the grader and in the sandbox child from JSON parameters.
They are problem set-up, not answers: this module imports nothing but torch.

==========================  =================================================  ======================
name                        callable                                           used by
==========================  =================================================  ======================
``tanh_mlp_field``          f(z [N,D], s) = tanh(z W1 + s w_s + b1) W2 + b2    ffjord_log_density,
                                                                               ffjord_adjoint_grad
``linear_field``            f(z [N,D], s) = z A^T + b (closed-form flow)       ffjord_*
``noisy_mixture_score``     grad log p_Y for Y = X + Z, X ~ Gaussian mixture,  tweedie_posterior_mean
                            Z ~ N(0, Sigma)
``ou_mixture_score``        grad log p_t(x [N], t) of a 1-d Gaussian mixture   reverse_sde_sample
                            under dX = -X/2 dt + dW
``ou_mlp_score``            (x [N], t) -> [N] small tanh MLP (not a score of   reverse_sde_sample
                            anything: any callable the contract allows)
==========================  =================================================  ======================

Glossary (hw1): ``w`` mixture weights (sum 1), ``means`` component means,
``covs`` component covariances (problem 1, d-dimensional), ``stds``
component standard deviations (problem 7, 1-d), ``Sigma`` the covariance of
the Gaussian noise Z, gamma_t = exp(-t/2) and sigma_t^2 = 1 - exp(-t) the
OU kernel X_t | X_0 ~ N(gamma_t X_0, sigma_t^2).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

__all__ = ["FIXTURES", "TanhMLPField", "LinearField", "NoisyMixtureScore", "OUMixtureScore",
           "OUMLPScore", "ou_mixture_marginal"]

_F64 = torch.float64


def _generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


def _time(s: float | torch.Tensor) -> float:
    """A pseudo-time or time given as a Python number or a one-element tensor, as a float."""
    if isinstance(s, torch.Tensor):
        if s.numel() != 1:
            raise ValueError(f"the time argument must be a single number, got shape {tuple(s.shape)}")
        return float(s.detach().reshape(()))
    return float(s)


def _weights(w: list[float]) -> torch.Tensor:
    weights = torch.tensor(w, dtype=_F64)
    if weights.ndim != 1 or weights.numel() == 0 or bool((weights <= 0).any()):
        raise ValueError(f"mixture weights must be a non-empty list of positive numbers, got {w!r}")
    return weights / weights.sum()


class TanhMLPField(nn.Module):
    """Time-dependent tanh MLP vector field ``f(z, s) = tanh(z W1 + s w_s + b1) W2 + b2``.

    Parameters
    ----------
    D : int
        State dimension.
    seed : int
        Seed of the weights (private ``torch.Generator``).
    hidden : int
        Hidden width H.
    scale : float
        Every weight is ``scale`` times a standard normal draw (``W1`` and
        ``W2`` also divided by sqrt(fan-in)). Keep ``scale <= 0.5`` when an
        adjoint gradient is compared with autograd through RK4 at relative
        tolerance 1e-4 with 8 steps: the O(h^4) gap between the two
        discretisations grows quickly with the size of df/dz (measured worst
        relative gap over 60 fields, n_steps = 8, D <= 3: 2e-8 at 0.3,
        5e-7 at 0.5, 4e-6 at 0.7, 6e-5 at 1.0).

    Notes
    -----
    Parameters, in ``tuple(f.parameters())`` order: ``W1 [D, H]``,
    ``w_s [H]``, ``b1 [H]``, ``W2 [H, D]``, ``b2 [D]``. ``forward(z, s)``
    takes ``z [N, D]`` and ``s`` a Python float or one-element tensor and
    returns ``[N, D]``; row n depends on row n of z only (hw1 problem 3:
    "acting row-wise"), so nu_n^T (df/dz) nu_n is one vector-Jacobian
    product. Its Jacobian ``W2^T diag(1 - h^2) W1^T`` is a full matrix and
    its Hessian is non-zero, so the Hutchinson term depends on theta and z.
    Raises ``ValueError`` for a time that is not a single number.
    """

    def __init__(self, D: int, seed: int, hidden: int = 16, scale: float = 0.5) -> None:
        super().__init__()
        g = _generator(seed)
        c = float(scale)
        self.W1 = nn.Parameter(c * torch.randn(D, hidden, generator=g, dtype=_F64) / math.sqrt(D))
        self.w_s = nn.Parameter(c * torch.randn(hidden, generator=g, dtype=_F64))
        self.b1 = nn.Parameter(c * torch.randn(hidden, generator=g, dtype=_F64))
        self.W2 = nn.Parameter(c * torch.randn(hidden, D, generator=g, dtype=_F64) / math.sqrt(hidden))
        self.b2 = nn.Parameter(c * torch.randn(D, generator=g, dtype=_F64))

    def forward(self, z: torch.Tensor, s: float | torch.Tensor) -> torch.Tensor:
        """Evaluate f at each row of ``z`` (``[N, D] -> [N, D]``) at pseudo-time ``s``."""
        return torch.tanh(z @ self.W1 + _time(s) * self.w_s + self.b1) @ self.W2 + self.b2


class LinearField(nn.Module):
    """Linear vector field ``f(z, s) = A z + b`` acting on rows (``z A^T + b``).

    Parameters
    ----------
    A : list of list of float
        ``[D, D]`` matrix.
    b : list of float
        ``[D]`` offset.

    Notes
    -----
    Parameters in order ``A [D, D]``, ``b [D]``. The flow is closed-form:
    with b = 0, z(0) = exp(-A) x and log p(x) = log N(exp(-A) x; 0, I) -
    tr(A) (change of variables, hw1 problem 3); the Hutchinson term
    nu^T A nu is constant along the flow, and its Hessian term is zero.
    Raises ``ValueError`` if ``A`` is not square or ``b`` does not match.
    """

    def __init__(self, A: list[list[float]], b: list[float]) -> None:
        super().__init__()
        self.A = nn.Parameter(torch.tensor(A, dtype=_F64))
        self.b = nn.Parameter(torch.tensor(b, dtype=_F64))
        shape_A, shape_b = tuple(self.A.shape), tuple(self.b.shape)
        if len(shape_A) != 2 or shape_A[0] != shape_A[1] or shape_b != shape_A[:1]:
            raise ValueError(f"A must be [D, D] and b [D], got {shape_A} and {shape_b}")

    def forward(self, z: torch.Tensor, s: float | torch.Tensor) -> torch.Tensor:
        """Evaluate A z + b at each row of ``z`` (``s`` is ignored)."""
        return z @ self.A.T + self.b


class NoisyMixtureScore(nn.Module):
    r"""Score grad log p_Y of Y = X + Z, X a Gaussian mixture, Z ~ N(0, Sigma) independent.

    Parameters
    ----------
    w : list of float
        Mixture weights w_k (K entries, positive; normalised to sum 1).
    means : list of list of float
        ``[K, d]`` component means m_k.
    covs : list of list of list of float
        ``[K, d, d]`` component covariances C_k (symmetric positive
        semi-definite).
    Sigma : list of list of float
        ``[d, d]`` noise covariance, symmetric positive definite.

    Notes
    -----
    Y is the mixture of N(m_k, C_k + Sigma), so with responsibilities
    r_k(y) proportional to w_k N(y; m_k, C_k + Sigma),

    .. math::

        \nabla \log p_Y(y) = -\sum_k r_k(y) (C_k + \Sigma)^{-1} (y - m_k),

    computed with log-sum-exp for the responsibilities. ``forward(y)`` maps
    ``[N, d]`` to ``[N, d]`` and is differentiable in y. The module keeps
    only what the score needs, as private buffers (log weights, means,
    precisions (C_k + Sigma)^{-1} and their log-determinants), and has no
    method but ``forward``: the exact posterior mean the Tweedie check of
    hw1 problem 1 compares with is computed on the grader side from the
    fixture's description
    (:func:`grader.judge.kinds_foundations.mixture_posterior_mean`), never
    from this object. Raises ``ValueError`` for inconsistent shapes or a
    covariance C_k + Sigma that is not positive definite.
    """

    _log_w: torch.Tensor
    _means: torch.Tensor
    _precisions: torch.Tensor
    _log_dets: torch.Tensor

    def __init__(self, w: list[float], means: list[list[float]], covs: list[list[list[float]]],
                 Sigma: list[list[float]]) -> None:
        super().__init__()
        weights = _weights(w)
        m = torch.tensor(means, dtype=_F64)
        C = torch.tensor(covs, dtype=_F64)
        S = torch.tensor(Sigma, dtype=_F64)
        K = weights.numel()
        if m.ndim != 2 or m.shape[0] != K:
            raise ValueError(f"means must be [K, d] with K = {K}, got {tuple(m.shape)}")
        d = m.shape[1]
        if tuple(C.shape) != (K, d, d) or tuple(S.shape) != (d, d):
            raise ValueError(f"covs must be [K, d, d] and Sigma [d, d] with K = {K}, d = {d}, "
                             f"got {tuple(C.shape)} and {tuple(S.shape)}")
        chol, info = torch.linalg.cholesky_ex(C + S)
        if bool((info != 0).any()):
            raise ValueError("C_k + Sigma must be positive definite for every component")
        self.register_buffer("_log_w", weights.log())
        self.register_buffer("_means", m)
        self.register_buffer("_precisions", torch.cholesky_inverse(chol))  # (C_k + Sigma)^{-1}
        self.register_buffer("_log_dets", 2 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """Grad log p_Y at each row of ``y`` (``[N, d] -> [N, d]``; a single row ``[d]`` works too)."""
        rows = y.reshape(-1, self._means.shape[1])
        diff = rows[:, None, :] - self._means  # [N, K, d]
        prec_diff = torch.einsum("kij,nkj->nki", self._precisions, diff)
        maha = (diff * prec_diff).sum(-1)  # [N, K]
        r = torch.softmax(self._log_w - 0.5 * self._log_dets - 0.5 * maha, dim=1)
        return -(r[:, :, None] * prec_diff).sum(1).reshape(y.shape)


def ou_mixture_marginal(w: torch.Tensor, means: torch.Tensor, stds: torch.Tensor,
                        t: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Component means and variances of p_t for a 1-d Gaussian mixture p_0 under the OU SDE.

    Parameters
    ----------
    w, means, stds : (K,) torch.Tensor
        Weights, means and standard deviations of p_0 (weights unused here).
    t : float
        Time t >= 0 of dX = -X/2 dt + dW.

    Returns
    -------
    (mu_t, var_t) : tuple of (K,) torch.Tensor
        gamma_t m_k and gamma_t^2 s_k^2 + sigma_t^2, with gamma_t = exp(-t/2)
        and sigma_t^2 = 1 - exp(-t) (hw2 problem 3's kernel); p_t is the
        mixture of N(mu_t[k], var_t[k]) with the same weights.
    """
    gamma = math.exp(-t / 2)
    return gamma * means, gamma * gamma * stds * stds + (-math.expm1(-t))


class OUMixtureScore(nn.Module):
    """Exact score of p_t for 1-d Gaussian-mixture data under dX = -X/2 dt + dW.

    Parameters
    ----------
    w : list of float
        Mixture weights of p_0 (positive; normalised to sum 1).
    means : list of float
        Component means m_k of p_0.
    stds : list of float
        Component standard deviations s_k > 0 of p_0.

    Notes
    -----
    p_t is the mixture of N(gamma_t m_k, gamma_t^2 s_k^2 + sigma_t^2) with
    the same weights (:func:`ou_mixture_marginal`), so
    grad log p_t(x) = -sum_k r_k(x, t) (x - mu_k(t)) / var_k(t). ``forward(x,
    t)`` takes ``x [N]`` and ``t`` a Python float or one-element tensor
    (the contract passes floats) and returns ``[N]``; it is differentiable
    in x. This is the score of hw1 problem 7 with f = -x/2, g = 1 (Song et
    al. 2021, arXiv:2011.13456, eq. 11 with beta = 1). Raises ``ValueError``
    for inconsistent lengths, non-positive stds, or t < 0. The mixture is
    kept as private buffers, the only method is ``forward``; the reverse-SDE
    check takes the law it tests against from the fixture's description.
    """

    _w: torch.Tensor
    _means: torch.Tensor
    _stds: torch.Tensor

    def __init__(self, w: list[float], means: list[float], stds: list[float]) -> None:
        super().__init__()
        weights = _weights(w)
        m = torch.tensor(means, dtype=_F64)
        s = torch.tensor(stds, dtype=_F64)
        if m.shape != weights.shape or s.shape != weights.shape or bool((s <= 0).any()):
            raise ValueError("w, means and stds must have the same length and stds must be > 0")
        self.register_buffer("_w", weights)
        self.register_buffer("_means", m)
        self.register_buffer("_stds", s)

    def forward(self, x: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
        """Grad log p_t at each entry of ``x`` (``[N] -> [N]``)."""
        t_ = _time(t)
        if t_ < 0:
            raise ValueError(f"t must be >= 0, got {t_!r}")
        mu, var = ou_mixture_marginal(self._w, self._means, self._stds, t_)
        diff = x[..., None] - mu
        log_c = self._w.log() - 0.5 * var.log() - 0.5 * diff * diff / var
        r = torch.softmax(log_c, dim=-1)
        return -(r * diff / var).sum(-1)


class OUMLPScore(nn.Module):
    """Small tanh MLP ``(x [N], t) -> [N]``, a generic time-dependent "score model".

    Parameters
    ----------
    seed : int
        Seed of the weights.
    hidden : int
        Hidden width.

    Notes
    -----
    s(x, t) = tanh(x w_x + t w_t + b) . v - x: the ``- x`` keeps the
    reverse-time dynamics stable over a few steps. Not the score of any
    data set; used where only the arithmetic of the sampler is compared
    elementwise (hw1 problem 7). ``t`` may be a float or a one-element
    tensor.
    """

    def __init__(self, seed: int, hidden: int = 16) -> None:
        super().__init__()
        g = _generator(seed)
        self.w_x = nn.Parameter(torch.randn(hidden, generator=g, dtype=_F64))
        self.w_t = nn.Parameter(torch.randn(hidden, generator=g, dtype=_F64))
        self.b = nn.Parameter(0.5 * torch.randn(hidden, generator=g, dtype=_F64))
        self.v = nn.Parameter(torch.randn(hidden, generator=g, dtype=_F64) / math.sqrt(hidden))

    def forward(self, x: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
        """Evaluate the model at each entry of ``x``."""
        h = torch.tanh(x[..., None] * self.w_x + _time(t) * self.w_t + self.b)
        return h @ self.v - x


FIXTURES: dict[str, Callable[..., Any]] = {
    "tanh_mlp_field": TanhMLPField,
    "linear_field": LinearField,
    "noisy_mixture_score": NoisyMixtureScore,
    "ou_mixture_score": OUMixtureScore,
    "ou_mlp_score": OUMLPScore,
}
