"""Case generator of the Gaussian KL divergence (``reference/gaussian.py``, hw1 problem 2).

The generator takes a seeded ``torch.Generator`` ``g`` first and draws
everything from it.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.cases.draws import log_uniform, randn

__all__ = ["CASES"]


def gaussian_kl(g: torch.Generator, N: int, d: int, sigma: str = "random",
                mu: str = "random") -> dict[str, Any]:
    """Arguments (mu0, sigma0, mu1, sigma1) of ``gaussian_kl``: N pairs of isotropic Gaussians.

    Parameters
    ----------
    N, d : int
        Number of pairs and dimension.
    sigma : {"random", "equal"}
        Standard deviations independent, or sigma1 = sigma0 (where the KL
        is |mu1 - mu0|^2 / (2 sigma^2), so swapping the arguments is
        invisible).
    mu : {"random", "equal"}
        Means independent, or mu1 = mu0 (only the variance terms remain).

    Returns
    -------
    dict
        ``mu0``, ``mu1``: ``[N, d]`` float64 N(0, 1.5^2); ``sigma0``,
        ``sigma1``: ``[N]`` float64 log-uniform in [0.2, 3).
    """
    mu0 = randn(g, N, d, scale=1.5)
    mu1 = mu0.clone() if mu == "equal" else randn(g, N, d, scale=1.5)
    sigma0 = log_uniform(g, 0.2, 3.0, N)
    sigma1 = sigma0.clone() if sigma == "equal" else log_uniform(g, 0.2, 3.0, N)
    return {"mu0": mu0, "sigma0": sigma0, "mu1": mu1, "sigma1": sigma1}


CASES = {"gaussian_kl": gaussian_kl}
