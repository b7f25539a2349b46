"""Stable pseudonyms for anonymised grading: ``student-`` and a few base32 characters of a keyed hash.

A pseudonym is ``"student-"`` followed by the first :data:`PSEUDONYM_LENGTH`
characters (lower-case base32) of HMAC-SHA256 keyed with the salt over the
student id: the same (student, salt) always gives the same name, another
salt gives unrelated names, and nobody can compute a student's pseudonym
without the salt. The salt is the course configuration's ``term``; when it
is empty a fixed project salt (:data:`DEFAULT_SALT`) is used, and then
**anyone who has the roster and this code can compute every pseudonym**:
set a term to make them unguessable.

Anonymising covers what the grader writes. :func:`anonymise_document`
replaces the student id by the pseudonym in the id itself and in the
grader's own text (submission path, errors, notes, feedback, check
messages), where the id appears through file names. Text the student wrote
(captured output, the quoted source line) and text an instructor wrote
(override reasons, manual comments) is left as it is: a student who printed
their name is shown printing it.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from grader.results import ResultDocument, natural_key, write_text_atomic

__all__ = ["PSEUDONYM_PREFIX", "PSEUDONYM_LENGTH", "DEFAULT_SALT", "MAPPING_FILE", "pseudonym", "pseudonyms",
           "is_pseudonym", "anonymise_document", "write_mapping"]

#: Every pseudonym starts with this.
PSEUDONYM_PREFIX = "student-"
#: Base32 characters after the prefix (30 bits); lengthened where two students of a class collide.
PSEUDONYM_LENGTH = 6
#: The key used when the course has no ``term``: public, so pseudonyms are then guessable from the roster.
DEFAULT_SALT = "grader pseudonyms: no term set"
#: Name of the mapping file, written next to ``reports/`` (never inside it).
MAPPING_FILE = "pseudonyms.csv"

_MAX_LENGTH = 52  # a whole SHA-256 digest in base32 (256 bits, padding dropped)
_PATTERN = re.compile(re.escape(PSEUDONYM_PREFIX) + f"[a-z2-7]{{{PSEUDONYM_LENGTH},{_MAX_LENGTH}}}")


def _digest(student: str, salt: str) -> str:
    key = (salt or DEFAULT_SALT).encode("utf-8")
    mac = hmac.new(key, student.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii").rstrip("=").lower()


def pseudonym(student: str, salt: str, length: int = PSEUDONYM_LENGTH) -> str:
    """The pseudonym of one student: ``"student-"`` and ``length`` base32 characters of HMAC-SHA256.

    Parameters
    ----------
    student : str
        The student id.
    salt : str
        The HMAC key: the course's ``term``. Empty means :data:`DEFAULT_SALT`,
        which is public: pseudonyms are then guessable by anyone with the roster.
    length : int, optional
        Characters after the prefix, from :data:`PSEUDONYM_LENGTH` to 52.

    Returns
    -------
    str
        E.g. ``"student-k3xq7a"``: lower-case letters and digits 2-7 only, so it is a safe file name.

    Raises
    ------
    ValueError
        If ``length`` is out of range.

    Notes
    -----
    This ignores collisions; a class's names come from :func:`pseudonyms`,
    which lengthens colliding ones (about once in 50,000 classes of 200).
    """
    if not PSEUDONYM_LENGTH <= length <= _MAX_LENGTH:
        raise ValueError(f"pseudonym length {length} is not between {PSEUDONYM_LENGTH} and {_MAX_LENGTH}")
    return PSEUDONYM_PREFIX + _digest(student, salt)[:length]


def pseudonyms(students: Iterable[str], salt: str) -> dict[str, str]:
    """The pseudonyms of a class, checked to be distinct.

    Parameters
    ----------
    students : iterable of str
        Student ids (repeats are fine).
    salt : str
        See :func:`pseudonym`.

    Returns
    -------
    dict of str to str
        Student id to pseudonym, in natural order of the ids. Each is
        :func:`pseudonym` at :data:`PSEUDONYM_LENGTH`, except for students
        whose pseudonyms would collide: theirs are lengthened, two characters at
        a time, until they differ (the others stay as they were).

    Raises
    ------
    ValueError
        If two students still share a pseudonym at the full digest length (a
        SHA-256 collision: never in practice).
    """
    ids = sorted(set(students), key=natural_key)
    digests = {s: _digest(s, salt) for s in ids}
    lengths = dict.fromkeys(ids, PSEUDONYM_LENGTH)
    while True:
        names: dict[str, list[str]] = {}
        for s in ids:
            names.setdefault(digests[s][: lengths[s]], []).append(s)
        clashes = [group for group in names.values() if len(group) > 1]
        if not clashes:
            return {s: PSEUDONYM_PREFIX + digests[s][: lengths[s]] for s in ids}
        for group in clashes:
            if any(lengths[s] >= _MAX_LENGTH for s in group):
                raise ValueError(f"students {', '.join(map(repr, group))} have the same pseudonym")
            for s in group:
                lengths[s] = min(lengths[s] + 2, _MAX_LENGTH)


def is_pseudonym(name: str) -> bool:
    """Whether ``name`` has the form of a pseudonym (``student-`` and 6 to 52 base32 characters).

    Parameters
    ----------
    name : str

    Returns
    -------
    bool
    """
    return _PATTERN.fullmatch(name) is not None


def _replace_id(student: str, name: str, text: str) -> str:
    # the id as a whole word: inside a path ("hw2/ada.py") it goes, inside a longer word ("adam") it stays
    return re.sub(r"(?<![\w-])" + re.escape(student) + r"(?![\w-])", lambda _: name, text)


def anonymise_document(doc: ResultDocument, name: str) -> ResultDocument:
    """A copy of ``doc`` that shows ``name`` instead of the student id.

    Parameters
    ----------
    doc : ResultDocument
    name : str
        The pseudonym.

    Returns
    -------
    ResultDocument
        ``student`` is ``name``; the id is also replaced, as a whole word, in
        ``submission_path``, ``errors``, ``notes``, each item's ``feedback``
        and each check's ``messages``. Scores and everything else are as in
        ``doc``; student- and instructor-written text is not touched (see the
        module's notes). ``doc`` is not changed.
    """
    student = doc.student

    def sub(text: str) -> str:
        return _replace_id(student, name, text)

    items = [item.model_copy(update={
        "feedback": [sub(t) for t in item.feedback],
        "checks": [c.model_copy(update={"messages": [sub(t) for t in c.messages]}) for c in item.checks],
    }) for item in doc.items]
    return doc.model_copy(update={
        "student": name, "submission_path": sub(doc.submission_path), "errors": [sub(t) for t in doc.errors],
        "notes": [sub(t) for t in doc.notes], "items": items,
    })


def write_mapping(path: Path, mapping: Mapping[str, str]) -> Path:
    """Write the pseudonym mapping as CSV: a header ``student,pseudonym``, then one row per student.

    Parameters
    ----------
    path : pathlib.Path
        The file, e.g. ``OUT/pseudonyms.csv``: keep it out of anything shared.
    mapping : mapping of str to str
        Student id to pseudonym (rows in natural order of the ids).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        If it cannot be written (it is written atomically).
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "pseudonym"])
    for student in sorted(mapping, key=natural_key):
        writer.writerow([student, mapping[student]])
    write_text_atomic(Path(path), buf.getvalue())
    return Path(path)
