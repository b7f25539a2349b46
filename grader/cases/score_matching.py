"""Case generators of the score-matching functions (``reference/score_matching.py``).

hw1 problem 1 (Tweedie's formula), hw2 problem 3 (the OU denoising loss)
and hw3 problems 3-4 (implicit and denoising score matching). Every
generator takes a seeded ``torch.Generator`` ``g``, the source of all its
draws, and returns the arguments in contract order: float64 tensors, Python
floats, and :class:`~grader.sandbox.protocol.Fixture` descriptions of the
score and noise models (keys of :data:`grader.sandbox.fixtures.FIXTURES`).
"""

from __future__ import annotations

from typing import Any

import torch

from grader.cases.draws import F64, randn, resolve, seed, spd, uniform
from grader.sandbox.protocol import Fixture

__all__ = ["CASES", "score_model"]


# -- hw1 problem 1: Tweedie --------------------------------------------------------------------
def tweedie_posterior_mean(g: torch.Generator, N: int, d: int, Sigma: str = "full", K: int = 2,
                           y: str = "mixture") -> dict[str, Any]:
    """Arguments (y, score, Sigma) of ``tweedie_posterior_mean``.

    Parameters
    ----------
    N, d : int
        Batch size and dimension.
    Sigma : {"full", "diagonal", "isotropic"}
        Noise covariance (:func:`~grader.cases.draws.spd`), eigenvalues in
        [0.3, 2] (never the identity, on which Sigma, Sigma^{-1} and
        sqrt(Sigma) coincide).
    K : int
        Number of mixture components of the prior p_X.
    y : {"mixture", "wide"}
        ``"mixture"``: y drawn from p_Y itself (X from the mixture plus
        Z ~ N(0, Sigma)); ``"wide"``: y ~ N(0, 9 I), reaching the tails.

    Returns
    -------
    dict
        ``y``: ``[N, d]`` float64; ``score``: the
        :class:`~grader.sandbox.protocol.Fixture` ``noisy_mixture_score``,
        the exact grad log p_Y; ``Sigma``: ``[d, d]`` float64.

    Notes
    -----
    p_X = sum_k w_k N(m_k, C_k): weights uniform in [0.5, 1.5) normalised,
    m_k ~ N(0, 1.5^2 I), C_k SPD with eigenvalues in [0.1, 1].
    """
    w = uniform(g, 0.5, 1.5, K)
    w = w / w.sum()
    means = randn(g, K, d, scale=1.5)
    covs = torch.stack([spd(g, d, 0.1, 1.0) for _ in range(K)])
    S = spd(g, d, 0.3, 2.0, Sigma)
    if y == "wide":
        ys = randn(g, N, d, scale=3.0)
    else:
        k = torch.multinomial(w, N, replacement=True, generator=g)
        chol_c = torch.linalg.cholesky(covs)
        x = means[k] + torch.einsum("nij,nj->ni", chol_c[k], randn(g, N, d))
        ys = x + randn(g, N, d) @ torch.linalg.cholesky(S).T
    score = Fixture("noisy_mixture_score", {"w": w.tolist(), "means": means.tolist(),
                                            "covs": covs.tolist(), "Sigma": S.tolist()})
    return {"y": ys, "score": score, "Sigma": S}


# -- hw2 problem 3: the OU denoising loss ------------------------------------------------------
def dsm_loss(g: torch.Generator, N: int, t_max: float = 3.0, model: str = "mlp",
             m: float = 0.0, lam: str = "random") -> dict[str, Any]:
    """Arguments (eps_model, x0, t, eps, lam) of the OU denoising score-matching loss.

    Parameters
    ----------
    N : int
        Batch size (1-d data).
    t_max : float
        Times are uniform in [1e-3, t_max).
    model : {"mlp", "linear"}
        ``eps_model``: ``ou_mlp_eps_model`` (random weights from a drawn
        seed) or ``ou_linear_eps_model`` with slope ``m``.
    lam : {"random", "sigma2"}
        Weights uniform in [0.1, 2), or lambda(t) = sigma_t^2 = 1 - e^{-t}.

    Returns
    -------
    dict
        ``eps_model``: a :class:`~grader.sandbox.protocol.Fixture`;
        ``x0``, ``eps``: ``[N]`` float64 N(0, 1); ``t``, ``lam``: ``[N]`` float64.
    """
    t = uniform(g, 1e-3, t_max, N)
    if model == "linear":
        eps_model = Fixture("ou_linear_eps_model", {"m": m})
    else:
        eps_model = Fixture("ou_mlp_eps_model", {"seed": seed(g)})
    lam_values = -torch.expm1(-t) if lam == "sigma2" else uniform(g, 0.1, 2.0, N)
    return {"eps_model": eps_model, "x0": randn(g, N), "t": t, "eps": randn(g, N), "lam": lam_values}


# -- hw3 problems 3-4: score matching ----------------------------------------------------------
def score_model(g: torch.Generator, d: int, model: str) -> Fixture:
    """A score model of hw3 problems 3-4 (a fixture of :mod:`grader.sandbox.fixtures`).

    Parameters
    ----------
    d : int
        Dimension.
    model : {"mlp", "mlp_big", "linear", "exact"}
        ``"mlp"``: ``mlp_score_model`` (16 hidden units, from a drawn seed);
        ``"mlp_big"``: 24 hidden units and output scale 2; ``"linear"``:
        ``linear_score_model`` x -> A x + b with A = -I + N(0, 0.4^2)
        entries and b ~ N(0, 0.3^2); ``"exact"``: A = -I, b = 0, the score
        of N(0, I).

    Returns
    -------
    Fixture
        The fixture description.
    """
    if model in ("mlp", "mlp_big"):
        big = model == "mlp_big"
        return Fixture("mlp_score_model", {"d": d, "seed": seed(g), "hidden": 24 if big else 16,
                                           "scale": 2.0 if big else 1.0})
    if model == "linear":
        A = -torch.eye(d, dtype=F64) + randn(g, d, d, scale=0.4)
        b = randn(g, d, scale=0.3)
        return Fixture("linear_score_model", {"A": A.tolist(), "b": b.tolist()})
    if model == "exact":
        return Fixture("linear_score_model", {"A": (-torch.eye(d, dtype=F64)).tolist(), "b": [0.0] * d})
    raise ValueError(f"unknown score model {model!r}")


def implicit_score_matching_loss(g: torch.Generator, N: int, d: int, model: str = "mlp",
                                 x_scale: float = 1.0) -> dict[str, Any]:
    """Arguments (score_model, x) of ``implicit_score_matching_loss`` (hw3 problem 3).

    Returns
    -------
    dict
        ``score_model``: a :class:`~grader.sandbox.protocol.Fixture`
        (:func:`score_model` of kind ``model``, drawn first); ``x``:
        ``[N, d]`` float64 N(0, x_scale^2 I).
    """
    fixture = score_model(g, d, model)
    return {"score_model": fixture, "x": randn(g, N, d, scale=x_scale)}


def _random_sigma(g: torch.Generator) -> float:
    """A noise level sigma, log-uniform in [0.05, 2).

    The bounds are the float32 logarithms of 0.05 and 2 and the exponential
    is torch's, as first written: kept so that the drawn sigmas stay the same.
    """
    low, high = float(torch.log(torch.tensor(0.05))), float(torch.log(torch.tensor(2.0)))
    return float(torch.exp(uniform(g, low, high)))


def denoising_score_matching_loss(g: torch.Generator, N: int, d: int, model: str = "mlp",
                                  sigma: float | str = "random") -> dict[str, Any]:
    """Arguments (score_model, x, sigma, noise) of ``denoising_score_matching_loss`` (hw3 problem 4).

    Returns
    -------
    dict
        ``score_model``: a :class:`~grader.sandbox.protocol.Fixture`
        (:func:`score_model` of kind ``model``, drawn first); ``x``:
        ``[N, d]`` float64, N(0, 1.5^2) entries around one N(0, I) centre;
        ``sigma``: a Python float, the config's number or ``"random"``
        (log-uniform in [0.05, 2)); ``noise``: ``[N, d]`` float64 N(0, 1).
    """
    fixture = score_model(g, d, model)
    noise_sd = resolve(g, sigma, float, random=_random_sigma)
    x = randn(g, N, d, scale=1.5) + randn(g, 1, d)
    return {"score_model": fixture, "x": x, "sigma": noise_sd, "noise": randn(g, N, d)}


CASES = {
    "tweedie_posterior_mean": tweedie_posterior_mean,
    "dsm_loss": dsm_loss,
    "implicit_score_matching_loss": implicit_score_matching_loss,
    "denoising_score_matching_loss": denoising_score_matching_loss,
}
