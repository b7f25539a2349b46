"""Huge pages for the fork server's memory, so that each fork and each exit of a child is cheap.

A process that has imported torch holds ~145 MiB of private anonymous memory
(the interpreter's heap and torch's allocations), in ~37,000 pages of 4 KiB.
``fork()`` copies one page-table entry per page and the child's exit unmaps
them all again: on this project's 2-CPU virtual machine a fork and exit of
such a process cost 11-13 ms of CPU, twice per submission (the reaper and the
student process). Backed by transparent huge pages of 2 MiB, the same memory
needs ~70 entries: a fork and exit then cost 3.5 ms (a process that imported
torch, 40 forks and exits each way; the README's issue-9 section has the
figures). A child that writes to a shared huge page gets a private
copy of the 4 KiB it wrote, as before (the kernel splits the mapping in the
child only).

``madvise(MADV_COLLAPSE)`` (Linux 6.1) turns existing memory into huge
pages synchronously, ~8 ms per 2 MiB here (it may compact memory first), so
the zygote calls it one range at a time while no fork request waits
(:func:`grader.sandbox.zygote.main`). Where the kernel lacks it, or
transparent huge pages are off (``never``), the first call fails at once,
the zygote stops trying and nothing changes: forks are then as expensive as
without this module. Runs in the zygote only, between forks, never in a
student's process. Source: madvise(2), ``MADV_COLLAPSE``; the kernel's
``Documentation/admin-guide/mm/transhuge.rst``.
"""

from __future__ import annotations

import ctypes

__all__ = ["HUGE_PAGE", "collapsible_ranges", "collapse"]

#: The size of an x86-64 (and arm64 with 4 KiB pages) transparent huge page, in bytes.
HUGE_PAGE = 2 << 20

_MADV_COLLAPSE = 25

_libc = ctypes.CDLL(None, use_errno=True)
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def collapsible_ranges(maps: str, chunk: int = HUGE_PAGE) -> list[tuple[int, int]]:
    """The huge-page-aligned pieces of the writable anonymous mappings listed in ``maps``.

    Parameters
    ----------
    maps : str
        The text of ``/proc/self/maps``.
    chunk : int
        The largest piece to return, in bytes (a multiple of :data:`HUGE_PAGE`):
        one ``madvise`` call each, so that a fork request never waits long.

    Returns
    -------
    list of (int, int)
        ``(start address, length in bytes)``, both multiples of
        :data:`HUGE_PAGE`, of the heap and of unnamed private writable
        mappings; file mappings, stacks and the vDSO are left alone.
    """
    ranges: list[tuple[int, int]] = []
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 5:
            continue
        name = fields[5].strip() if len(fields) > 5 else ""
        perms, inode = fields[1], fields[4]
        if inode != "0" or not perms.startswith("rw") or not perms.endswith("p") or name not in ("", "[heap]"):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        first = -(-start // HUGE_PAGE) * HUGE_PAGE
        last = end // HUGE_PAGE * HUGE_PAGE
        ranges.extend((at, min(chunk, last - at)) for at in range(first, last, chunk))
    return ranges


def collapse(start: int, length: int) -> bool:
    """Ask the kernel to back ``[start, start + length)`` of this process with huge pages.

    Parameters
    ----------
    start, length : int
        A range from :func:`collapsible_ranges` (bytes).

    Returns
    -------
    bool
        Whether it worked; ``False`` where ``MADV_COLLAPSE`` is unknown
        (Linux < 6.1), transparent huge pages are off, memory is too
        fragmented, or the range is no longer mapped. Never raises.
    """
    return bool(_libc.madvise(start, length, _MADV_COLLAPSE) == 0)
