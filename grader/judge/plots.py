"""Small self-contained plots for failed checks, as PNG data URIs.

Only drawn when a check fails (matplotlib is imported lazily, with the Agg
backend); each is about 10-20 kB and embeds directly in the HTML report.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import numpy as np

__all__ = ["histogram_vs_normal", "statistic_vs_t"]


def _figure(width: float = 4.2, height: float = 2.4):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=90)
    return plt, fig, ax


def _data_uri(plt, fig) -> str:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def histogram_vs_normal(z: np.ndarray, title: str) -> str:
    """Histogram of standardised samples against the N(0, 1) density.

    Parameters
    ----------
    z : numpy.ndarray
        Samples divided by their expected standard deviation (any shape).
    title : str
        Plot title.

    Returns
    -------
    str
        ``data:image/png;base64,...``.
    """
    plt, fig, ax = _figure()
    z = np.asarray(z, dtype=float).ravel()
    z = z[np.isfinite(z)]
    lim = max(4.0, float(np.quantile(np.abs(z), 0.995))) if z.size else 4.0
    ax.hist(np.clip(z, -lim, lim), bins=60, range=(-lim, lim), density=True, color="#7aa6d6",
            label="your output, standardised")
    grid = np.linspace(-lim, lim, 400)
    ax.plot(grid, np.exp(-grid**2 / 2) / math.sqrt(2 * math.pi), color="#c0392b", label="N(0, 1)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    ax.tick_params(labelsize=7)
    return _data_uri(plt, fig)


def statistic_vs_t(ts: Sequence[int], measured: Sequence[float], low: Sequence[float],
                   high: Sequence[float], expected: float, label: str, title: str) -> str:
    """A statistic per time step against its acceptance band.

    Parameters
    ----------
    ts : sequence of int
        Time steps.
    measured : sequence of float
        The measured statistic at each t.
    low, high : sequence of float
        Acceptance range at each t.
    expected : float
        Its value for a correct implementation.
    label, title : str
        Y-axis label and title.

    Returns
    -------
    str
        ``data:image/png;base64,...``.
    """
    plt, fig, ax = _figure()
    ax.fill_between(ts, low, high, color="#cfe8cf", step="mid", label="accepted")
    ax.axhline(expected, color="#2e7d32", lw=1)
    ax.plot(ts, measured, "o-", color="#c0392b", ms=3, lw=1, label="your output")
    ax.set_xlabel("t", fontsize=8)
    ax.set_ylabel(label, fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    ax.tick_params(labelsize=7)
    return _data_uri(plt, fig)
