"""Who a submission belongs to: roster look-ups and ids derived from names.

Each parser calls :func:`resolve` with whatever the platform gives (a Canvas
user id, a Gradescope e-mail or SID, a Moodle participant id and full name);
the first roster row that matches wins. Without a match the student id is
derived from the name (:func:`derive_id`), and the submission is flagged
"not on the roster" when a roster was given.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from grader.course.roster import Roster, RosterEntry

__all__ = ["Identity", "derive_id", "resolve"]

_NOT_ID = re.compile(r"[^0-9a-z]+")


def derive_id(name: str, fallback: str = "student") -> str:
    """A student id made from a name: ASCII-folded, lowercase, non-alphanumerics as ``_``.

    Parameters
    ----------
    name : str
        "Ada Lovelace", "lovelaceada", "Gödel, Kurt".
    fallback : str
        Used when nothing alphanumeric is left.

    Returns
    -------
    str
        ``ada_lovelace``, ``lovelaceada``, ``godel_kurt``.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    derived = _NOT_ID.sub("_", folded).strip("_")
    return derived or _NOT_ID.sub("_", fallback.lower()).strip("_") or "student"


@dataclass(frozen=True)
class Identity:
    """The outcome of matching one submitter.

    Attributes
    ----------
    student : str
        The roster's id, or the derived one.
    on_roster : bool or None
        True when a roster row matched, False when a roster was given and no
        row matched, None without a roster.
    how : str
        What matched ("lms_id 4101", "email ada@x.edu") or why nothing did.
    """

    student: str
    on_roster: bool | None
    how: str


def _by_name(roster: Roster, name: str) -> RosterEntry | None:
    wanted = derive_id(name, "")
    if not wanted:
        return None
    hits = [e for e in roster if e.name and derive_id(e.name, "") == wanted]
    return hits[0] if len(hits) == 1 else None


def resolve(roster: Roster | None, name: str, keys: list[tuple[str, str]], fallback: str) -> Identity:
    """Match a submitter to a roster row by the first key that finds one, then by name.

    Parameters
    ----------
    roster : Roster or None
        The class roster (None: every id is derived from ``name``).
    name : str
        The name as the platform writes it (derived id source; also matched
        against the roster's ``name`` column, ignoring case, accents and
        punctuation, when no key matched and exactly one row has that name).
    keys : list of (str, str)
        ``(roster column, value)`` pairs tried in order, e.g.
        ``[("lms_id", "4101")]`` or ``[("email", ...), ("sis_id", ...)]``.
    fallback : str
        Used for the derived id when ``name`` has no letters or digits.

    Returns
    -------
    Identity
    """
    derived = derive_id(name, fallback)
    if roster is None:
        return Identity(derived, None, f"no roster: id {derived!r} derived from the name {name!r}")
    for column, value in keys:
        if not value:
            continue
        entry = roster.by_lms_id(value) if column == "lms_id" else roster.by_field(column, value)
        if entry is not None:
            return Identity(entry.student, True, f"{column} {value}")
    entry = _by_name(roster, name) if name else None
    if entry is not None:
        return Identity(entry.student, True, f"name {name!r}")
    tried = ", ".join(f"{c} {v!r}" for c, v in keys if v) or "no id"
    return Identity(derived, False, f"not on the roster ({tried}, name {name!r}); collected as {derived!r}")
