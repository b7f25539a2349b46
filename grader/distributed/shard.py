"""``grade run --shard I/N``: the I-th of N disjoint slices of a class, for job arrays (no Dask needed).

The split is by student id alone: a student is in shard
``int(sha256(student_id), 16) % N + 1``, the same on every machine, in every
run and for every assignment (so one student's assignments are graded by the
same job, and a roster student's ``missing`` documents too). The N shards
partition the class: together they grade exactly the submissions of a full
run, and write exactly its documents.

Shards of one class may run at the same time into one shared ``--out``
folder (a cluster file system): each holds a lock of its own
(``OUT/.grade.shard-I-of-N.lock``), cleans up only its own students'
partial writes, and writes only result documents and the manifest. The
class-wide outputs (reports, overview, similarity report, gradebook) need
every shard's documents: make them once all shards are done, with ``grade
report --out OUT`` (reports and gradebook) or ``grade export``, or a last
``grade run PATH --out OUT`` without ``--shard``, which finds everything up
to date, grades nothing and writes everything, the similarity report
included.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from grader.errors import UsageError
from grader.record import remove_partial_writes

if TYPE_CHECKING:
    from grader.course.roster import Roster

__all__ = ["Shard", "parse_shard", "shard_of", "remove_own_partial_writes"]

_FORM = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
T = TypeVar("T")


def shard_of(student: str, count: int) -> int:
    """The shard (1 to ``count``) that grades ``student``.

    Parameters
    ----------
    student : str
        Student id.
    count : int
        Number of shards, at least 1.

    Returns
    -------
    int
        ``int(sha256(student), 16) % count + 1``: stable across machines,
        runs, Python versions and assignments.
    """
    return int(hashlib.sha256(student.encode("utf-8")).hexdigest(), 16) % count + 1


@dataclass(frozen=True)
class Shard:
    """The I-th of N slices of a class.

    Attributes
    ----------
    index : int
        I, from 1 to ``count``.
    count : int
        N, at least 1.
    """

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, student: str) -> bool:
        """Whether this shard grades ``student`` (:func:`shard_of`)."""
        return shard_of(student, self.count) == self.index

    @property
    def lock_name(self) -> str:
        """File name of this shard's lock in the output folder."""
        return f".grade.shard-{self.index}-of-{self.count}.lock"

    def select(self, items: Iterable[T], student: str = "student") -> list[T]:
        """The items whose attribute ``student`` is a student of this shard.

        Parameters
        ----------
        items : iterable
            Submissions, roster entries, anything with a student id attribute.
        student : str
            Name of that attribute.

        Returns
        -------
        list
            In the given order.
        """
        return [item for item in items if self.holds(getattr(item, student))]

    def roster(self, roster: Roster) -> Roster:
        """The roster as this shard settles it (:func:`grader.roster_runs.settle_roster`).

        Its entries are this shard's students (only they get ``missing``
        documents here); every other shard's student counts as enrolled, so
        that this shard neither deletes their documents as stale nor flags them.
        """
        from grader.course.roster import Roster

        holds = self.holds

        class ShardRoster(Roster):
            def __contains__(self, student: object) -> bool:
                return not (isinstance(student, str) and holds(student)) or super().__contains__(student)

        return ShardRoster(tuple(self.select(roster.entries)), roster.path)

    def manual(self, scores: dict[tuple[str, str], Any] | None) -> dict[tuple[str, str], Any] | None:
        """Instructor scores (keyed by (student, assignment)) of this shard's students only."""
        if scores is None:
            return None
        return {key: value for key, value in scores.items() if self.holds(key[0])}


def parse_shard(text: str) -> Shard:
    """Read ``I/N``.

    Parameters
    ----------
    text : str
        E.g. ``"3/8"``.

    Returns
    -------
    Shard

    Raises
    ------
    UsageError
        Unless ``text`` is two integers ``I/N`` with ``1 <= I <= N``.
    """
    match = _FORM.fullmatch(text)
    if not match:
        raise UsageError(f"--shard {text!r}: expected I/N, e.g. 1/4 (the first of 4 slices)")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text!r}: I must be between 1 and N (N >= 1)")
    return Shard(index, count)


def remove_own_partial_writes(out: Path, shard: Shard) -> int:
    """Delete the temporary files a killed run of this shard left; other shards' are theirs.

    Parameters
    ----------
    out : Path
        The shared output folder; ``results/<assignment>/.<student>.json.*.tmp``
        of this shard's students are removed.
    shard : Shard
        This run's shard.

    Returns
    -------
    int
        How many were removed.
    """
    return remove_partial_writes(out, shard.holds)
