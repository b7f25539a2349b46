"""Markdown for Gradescope's ``output`` fields: escaped text, code spans, capped length.

Everything the student wrote (exception messages, their source line) or
that quotes it goes through :func:`text` or :func:`code`, so it renders as
written and cannot add links, images or HTML to the page. Gradescope
renders ``output_format: "md"`` as Markdown.
"""

from __future__ import annotations

import re

__all__ = ["MAX_OUTPUT_CHARS", "text", "code", "bullets", "cap", "points"]

#: Longest ``output`` written; longer text is cut at a line break, with a note.
MAX_OUTPUT_CHARS = 12_000

_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~!])")


def text(value: object) -> str:
    """Plain text as Markdown that shows exactly that text.

    Parameters
    ----------
    value : object
        Anything; its ``str`` is used.

    Returns
    -------
    str
        One line: line breaks become spaces, Markdown punctuation is
        backslash-escaped and ``<``, ``>``, ``&`` are HTML entities.
    """
    s = " ".join(str(value).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", s)


def code(value: object) -> str:
    """An inline code span holding ``value`` verbatim (one line).

    Parameters
    ----------
    value : object
        The code, e.g. a line of the student's source.

    Returns
    -------
    str
        Delimited by one backtick more than the longest run inside it.
    """
    s = " ".join(str(value).split())
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def bullets(lines: list[str], indent: int = 0) -> list[str]:
    """Markdown list items, one per line (already formatted Markdown).

    Parameters
    ----------
    lines : list of str
        The items.
    indent : int, optional
        Nesting level (4 spaces each).

    Returns
    -------
    list of str
    """
    pad = "    " * indent
    return [f"{pad}- {line}" for line in lines]


def points(value: float) -> str:
    """A number of points as people write it: ``8``, ``1.5``, ``0.333``."""
    return f"{round(value, 3):g}"


def cap(markdown: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """``markdown`` cut at a line break before ``limit`` characters, with a note when cut.

    Parameters
    ----------
    markdown : str
        The text.
    limit : int, optional
        Most characters kept.

    Returns
    -------
    str
    """
    if len(markdown) <= limit:
        return markdown
    cut = markdown.rfind("\n", 0, limit)
    kept = markdown[: cut if cut > 0 else limit]
    return kept + f"\n\n*(shortened: {len(markdown) - len(kept)} more characters not shown)*"
