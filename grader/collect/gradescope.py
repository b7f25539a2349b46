"""Gradescope "Export Submissions": one folder per submission, described by ``submission_metadata.yml``.

Layout (checked against Otter-Grader's ``GradescopeParser`` and public
scripts that read exports; see ``docs/lms-formats.md``)::

    assignment_<id>_export/
        submission_metadata.yml
        submission_<id>/<the submitted files>     (or one file submission_<id>.<ext>)

``submission_metadata.yml`` maps each submission folder's name to a record
whose keys are written as Ruby symbols (``:submitters:``, ``:created_at:``);
``:submitters:`` lists ``:name:``, ``:sid:`` and ``:email:`` (several for a
group submission); ``:created_at:`` is a YAML timestamp with a UTC offset.
The file is read with ``yaml.safe_load``; keys without the leading colon are
accepted too. A group submission is collected once per submitter.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import yaml

from grader.collect.identity import resolve
from grader.collect.model import Collected, Entry, Listing, Parsed
from grader.course.roster import Roster
from grader.errors import UsageError

__all__ = ["METADATA", "find_metadata", "parse", "parse_time"]

#: The export's metadata file name.
METADATA = "submission_metadata.yml"


def find_metadata(listing: Listing) -> Entry | None:
    """The shallowest ``submission_metadata.yml`` in the listing, or None."""
    found = [e for e in listing.entries if e.basename == METADATA]
    return min(found, key=lambda e: len(e.parts)) if found else None


def _get(record: dict[Any, Any], key: str) -> Any:
    return record.get(f":{key}", record.get(key))


def parse_time(value: object, messages: list[str], where: str) -> datetime | None:
    """A submission time from the metadata: an aware datetime, or None when missing or unreadable.

    Parameters
    ----------
    value : object
        What ``yaml.safe_load`` gave: a ``datetime`` (aware when the YAML has
        an offset), a string, or None.
    messages : list of str
        Receives a note when the time is missing, unreadable or has no zone
        (then UTC is assumed).
    where : str
        The submission, for messages.

    Returns
    -------
    datetime or None
    """
    when: datetime | None = None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            messages.append(f"{where}: created_at {value!r} is not a readable time; left empty")
            return None
    else:
        messages.append(f"{where}: no created_at in {METADATA}; submission time unknown")
        return None
    if when.tzinfo is None:
        messages.append(f"{where}: created_at {when.isoformat()} has no time zone; UTC assumed")
        when = when.replace(tzinfo=timezone.utc)
    return when


def _load(meta: Entry) -> dict[Any, Any]:
    try:
        data = yaml.safe_load(meta.data.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{meta.name}: not readable YAML ({exc}); is this a Gradescope export?") from None
    if not isinstance(data, dict):
        raise UsageError(f"{meta.name}: expected a mapping of submission folders to records, "
                         f"found {type(data).__name__}")
    return data


def _files(listing: Listing, root: str, key: str) -> dict[str, Entry]:
    folder = f"{root}{key}/"
    files = {e.name[len(folder):]: e for e in listing.entries if e.name.startswith(folder)}
    single = [e for e in listing.entries if e.name == f"{root}{key}"
              or (e.name.startswith(f"{root}{key}.") and "/" not in e.name[len(root):])]
    if not files and single:
        files = {single[0].basename: single[0]}
    return files


def _submitters(record: dict[Any, Any]) -> list[dict[Any, Any]]:
    people = _get(record, "submitters")
    if not isinstance(people, list):
        return []
    return [p for p in people if isinstance(p, dict)]


def _for_submitter(person: dict[Any, Any], key: str, files: dict[str, Entry], when: datetime | None,
                   roster: Roster | None, group: list[str]) -> Collected:
    name, sid, email = (str(_get(person, k) or "").strip() for k in ("name", "sid", "email"))
    who = resolve(roster, name, [("email", email), ("sis_id", sid)], fallback=email.split("@")[0] or key)
    messages = [f"student {who.student!r}: {who.how}"]
    if len(group) > 1:
        messages.append(f"{key} is a group submission of {', '.join(group)}; collected for each of them")
    return Collected(student=who.student, original_name=key, submitted_at=when, late=None,
                     files={rel: e.data for rel, e in files.items()}, source_id=key, messages=messages,
                     on_roster=who.on_roster, person=f"gradescope:{(email or sid or name).lower()}",
                     originals={rel: e.name for rel, e in files.items()})


def parse(listing: Listing, roster: Roster | None) -> Parsed:
    """One submission per (submission folder, submitter) listed in ``submission_metadata.yml``.

    Parameters
    ----------
    listing : Listing
        The checked entries of the export.
    roster : Roster or None
        Matched through the submitter's ``email``, then ``sid`` against
        ``sis_id``, then the name.

    Returns
    -------
    Parsed
        ``submitted_at`` from ``:created_at:``; ``late`` is None (the export
        does not say).

    Raises
    ------
    UsageError
        If there is no ``submission_metadata.yml`` or it is not a YAML mapping.
    """
    meta = find_metadata(listing)
    if meta is None:
        raise UsageError(f"no {METADATA} in {listing.source!r}: not a Gradescope export")
    root = meta.name[: -len(METADATA)]
    out = Parsed(messages=["Gradescope exports do not mark late submissions: late is left empty"])
    used: set[str] = {meta.name}
    for key, record in _load(meta).items():
        key = str(key)
        files = _files(listing, root, key)
        if not isinstance(record, dict) or not files:
            what = "no files" if isinstance(record, dict) else "no record"
            out.messages.append(f"{key}: listed in {METADATA} but {what} found; skipped")
            continue
        used.update(e.name for e in files.values())
        when = parse_time(_get(record, "created_at"), out.messages, key)
        people = _submitters(record)
        if not people:
            out.messages.append(f"{key}: no submitters in {METADATA}; skipped")
            continue
        names = [str(_get(p, "name") or _get(p, "email") or "?") for p in people]
        out.submissions += [_for_submitter(p, key, files, when, roster, names) for p in people]
    out.messages += [f"{e.name}: not part of a submission listed in {METADATA}; skipped"
                     for e in listing.entries if e.name not in used]
    return out
