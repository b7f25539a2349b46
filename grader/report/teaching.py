"""What the class overview teaches the instructor: per function, what went wrong and how the checks compare.

Pure functions of one assignment's result documents, for
:mod:`grader.report.overview`. Only graded documents count here: a
``missing`` document (no submission) is counted as missing in the header,
never as a failure or a misconception.

Per function
    The named misconceptions (``Item.misconception``), each with the students
    who made it, and the pass rates of its public and of its hidden checks:
    the share of graded students all of whose checks of that visibility passed.
    Public checks use inputs every student has seen, hidden ones inputs drawn
    per student; a hidden rate well below the public one (:data:`LARGE_GAP`)
    is the sign of code fitted to the public checks, and the students who
    passed every public check but not every hidden one are listed.
Score distribution
    A small histogram (an inline PNG, drawn with the judge's plot helpers) of
    the graded students' scores as a percentage of the maximum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from grader.report.common import percent as _percent
from grader.results import Item, ResultDocument, natural_key

__all__ = ["LARGE_GAP", "HISTOGRAM_BINS", "function_lessons", "score_histogram"]

#: A public pass rate this much above the hidden one (a fraction of the students) is flagged.
LARGE_GAP = 0.2
#: Bins of the score histogram: 0-10 %, ..., 90-100 % (100 % falls in the last).
HISTOGRAM_BINS = 10


def _link(student: str) -> dict[str, str]:
    return {"student": student, "href": quote(student, safe="") + ".html"}


def _all_passed(item: Item | None, visibility: str) -> bool:
    """Whether the item has checks of ``visibility`` and every one passed (no item: not passed)."""
    outcomes = [] if item is None else [c.outcome for c in item.checks if c.visibility == visibility]
    return bool(outcomes) and all(o == "passed" for o in outcomes)


def _rate(passed: int, n: int) -> str:
    return f"{passed}/{n} ({_percent(passed, n, digits=0)})"


def _misconceptions(items: dict[str, Item | None]) -> list[dict[str, Any]]:
    """Named misconceptions of one function: title, name, count and links, most frequent first."""
    found: dict[str, dict[str, Any]] = {}
    for student, item in items.items():
        if item is None or item.misconception is None:
            continue
        m = item.misconception
        entry = found.setdefault(m.name, {"name": m.name, "title": m.title or m.name, "students": []})
        entry["students"].append(_link(student))
    ordered = sorted(found.values(), key=lambda e: (-len(e["students"]), natural_key(e["name"])))
    return [{**e, "count": len(e["students"])} for e in ordered]


def _visibility_stats(items: dict[str, Item | None], visibility: str) -> tuple[bool, list[str]]:
    """Whether any student's item has checks of ``visibility``, and the students who passed all of them."""
    present = any(item is not None and any(c.visibility == visibility for c in item.checks)
                  for item in items.values())
    return present, [s for s, item in items.items() if _all_passed(item, visibility)]


def _lesson(name: str, items: dict[str, Item | None], overridden: int) -> dict[str, Any]:
    n = len(items)
    has_public, public = _visibility_stats(items, "public")
    has_hidden, hidden = _visibility_stats(items, "hidden")
    both = has_public and has_hidden and n > 0
    gap = (len(public) - len(hidden)) / n if both else 0.0
    passed_hidden = set(hidden)
    public_only = [s for s in public if s not in passed_hidden] if both else []
    return {
        "name": name,
        "n": n,
        "public_rate": _rate(len(public), n) if has_public else "no public checks",
        "hidden_rate": _rate(len(hidden), n) if has_hidden else "no hidden checks",
        "gap": (f"{100 * gap:+.0f} pts" if round(100 * gap) else "0 pts") if both else "—",
        "gap_large": both and gap >= LARGE_GAP,
        "public_only": [_link(s) for s in public_only],
        "overridden": overridden,
        "misconceptions": _misconceptions(items),
    }


def function_lessons(docs: Sequence[ResultDocument], functions: Sequence[str]) -> list[dict[str, Any]]:
    """Per function, the view of the overview's "By function" and "Misconceptions" sections.

    Parameters
    ----------
    docs : sequence of ResultDocument
        One assignment's documents, in the order rows are shown; ``missing`` ones are left out.
    functions : sequence of str
        The functions, in the order shown.

    Returns
    -------
    list of dict
        One per function: ``name``; ``n`` (graded students); ``public_rate``
        and ``hidden_rate`` (``"3/4 (75%)"``, or ``"no public checks"``);
        ``gap`` (public minus hidden rate in percentage points, ``"+25 pts"``,
        or ``"—"`` unless the function has both kinds), ``gap_large`` (at
        least :data:`LARGE_GAP`); ``public_only`` (links to the students who
        passed every public check but not every hidden one); ``overridden``
        (students whose points for it an instructor set); ``misconceptions``
        (``name``, ``title``, ``count``, ``students`` as links, most frequent
        first). A graded student without an item for the function (the
        submission did not load) counts as passing neither kind.
    """
    graded = [d for d in docs if d.status != "missing"]
    lessons = []
    for name in functions:
        items = {d.student: next((i for i in d.items if i.function == name), None) for d in graded}
        overridden = sum(any(o.function == name for o in d.overrides) for d in graded)
        lessons.append(_lesson(name, items, overridden))
    return lessons


def _draw(counts: list[int]) -> str:
    """The histogram as a PNG data URI (about 7 kB)."""
    from grader.judge.plots import _data_uri, _figure

    plt, fig, ax = _figure(4.0, 1.7)
    width = 100 / HISTOGRAM_BINS
    ax.bar([width * (i + 0.5) for i in range(HISTOGRAM_BINS)], counts, width=width * 0.92, color="#7aa6d6")
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("score (% of maximum)", fontsize=7)
    ax.set_ylabel("students", fontsize=7)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    uri: str = _data_uri(plt, fig)
    return uri


def score_histogram(docs: Sequence[ResultDocument],
                    draw: Callable[[list[int]], str] | None = None) -> dict[str, Any] | None:
    """The score distribution of the graded documents, as counts per bin and an inline image.

    Parameters
    ----------
    docs : sequence of ResultDocument
        One assignment's documents; ``missing`` ones and those with no points
        to earn (``max_score`` 0) are left out.
    draw : callable, optional
        Counts per bin to a ``data:`` URI; the default draws a matplotlib PNG.

    Returns
    -------
    dict or None
        ``None`` when no document is left; else ``src`` (the data URI),
        ``alt`` (the counts in words, for screen readers and text browsers),
        ``bins`` (``label``, ``count``) and ``n``.
    """
    shares = [100.0 * d.score / d.max_score for d in docs if d.status != "missing" and d.max_score > 0]
    if not shares:
        return None
    counts = [0] * HISTOGRAM_BINS
    for share in shares:
        counts[min(max(int(share * HISTOGRAM_BINS // 100), 0), HISTOGRAM_BINS - 1)] += 1
    step = 100 // HISTOGRAM_BINS
    bins = [{"label": f"{step * i}–{step * (i + 1)}%", "count": c} for i, c in enumerate(counts)]
    alt = "Scores of {} students: {}.".format(
        len(shares), ", ".join(f"{b['label']}: {b['count']}" for b in bins if b["count"]))
    return {"src": (draw or _draw)(counts), "alt": alt, "bins": bins, "n": len(shares)}
