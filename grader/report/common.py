"""What every report page shares: the Jinja2 environment and how points and percentages are written."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

__all__ = ["environment", "points", "percent", "duration"]

_TEMPLATES = Path(__file__).with_name("templates")


@functools.cache
def environment() -> jinja2.Environment:
    """The templates' environment: autoescaping on (documents hold student text), strict undefined.

    Returns
    -------
    jinja2.Environment
    """
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def points(value: float) -> str:
    """Format points compactly: 10.0 -> '10', 7.5 -> '7.5', 1/3 -> '0.33'.

    Parameters
    ----------
    value : float

    Returns
    -------
    str
    """
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(score: float, max_score: float, digits: int = 1) -> str:
    """``score`` as a percentage of ``max_score`` (``"n/a"`` when it is not positive).

    Parameters
    ----------
    score, max_score : float
    digits : int, optional
        Decimals shown.

    Returns
    -------
    str
    """
    if max_score <= 0:
        return "n/a"
    return f"{100.0 * score / max_score:.{digits}f}%"


def duration(hours: float) -> str:
    """A lateness for people: ``"1 s"``, ``"15 min 1 s"``, ``"24.5 h"``.

    Parameters
    ----------
    hours : float
        Hours (>= 0).

    Returns
    -------
    str
        Seconds and minutes below one hour (rounded to the second), else hours with up to 2 decimals.
    """
    seconds = round(hours * 3600)
    if seconds >= 3600:
        return points(hours) + " h"
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")
