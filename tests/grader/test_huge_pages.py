"""The fork server backs its memory with huge pages while idle, so that forks and exits stay cheap.

What is measured (fork + exit of a torch process: 12.6 ms of CPU with 4 KiB
pages, 3.5 ms with huge pages on this project's VM) lives in the README and
``grader.sandbox.huge_pages``; these tests check the mechanism: which
mappings are chosen, and that a real zygote ends up with its heap in huge
pages (where the kernel can do it at all) and still forks at once.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from pathlib import Path

import pytest

from grader.execute import Sandbox
from grader.isolation import detect
from grader.limits import Limits
from grader.sandbox import forkserver
from grader.sandbox.huge_pages import HUGE_PAGE, collapse, collapsible_ranges
from grader.sandbox.zygote import _descendants, hidden_by_fresh_mounts

ROOT = Path(__file__).resolve().parents[2]

MAPS = """\
55d0c8a00000-55d0c8a01000 r--p 00000000 fd:01 123 /usr/bin/python3.11
55d0ca000000-55d0cf300000 rw-p 00000000 00:00 0                          [heap]
7f1000000000-7f1000500000 rw-p 00000000 00:00 0
7f1000500000-7f1000600000 rw-p 00000000 00:00 0
7f2000000000-7f2000800000 rw-p 00000000 fd:01 456 /usr/lib/libtorch_cpu.so
7f3000000000-7f3000400000 rw-s 00000000 00:01 789 /dev/shm/x
7f4000000000-7f4000400000 r--p 00000000 00:00 0
7f5000000000-7f5000400000 rw-p 00000000 00:00 0                          [stack]
7f6000100000-7f6000500000 rw-p 00000000 00:00 0
"""


def test_only_private_writable_anonymous_memory_is_chosen_aligned_and_chunked():
    ranges = collapsible_ranges(MAPS, chunk=2 * HUGE_PAGE)
    heap = [(0x55D0CA000000 + i * 2 * HUGE_PAGE, 2 * HUGE_PAGE) for i in range(20)]
    heap.append((0x55D0CA000000 + 40 * HUGE_PAGE, HUGE_PAGE))  # 0x5300000 = 41.5 huge pages: the last one whole only
    assert ranges[:21] == heap
    assert ranges[21:] == [(0x7F1000000000, 2 * HUGE_PAGE),  # 5 MiB: two whole huge pages
                           (0x7F6000200000, HUGE_PAGE)]  # 1..5 MiB: only [2, 4) MiB is whole and aligned
    for start, length in ranges:
        assert start % HUGE_PAGE == 0 and length % HUGE_PAGE == 0 and 0 < length <= 2 * HUGE_PAGE


def test_nothing_is_chosen_in_a_maps_text_without_anonymous_memory():
    assert collapsible_ranges("7f2000000000-7f2000800000 rw-p 00000000 fd:01 456 /usr/lib/x.so\n") == []
    assert collapsible_ranges("") == []


def _kernel_collapses(attempts: int = 3) -> bool:
    """Whether this kernel turns a touched anonymous region of this process into a huge page.

    A kernel that can may still refuse once, when no free huge page is at
    hand (madvise(2): EAGAIN, ENOMEM; seen once in a CI run): a fresh region
    is tried again before the test is skipped.
    """
    for _ in range(attempts):
        region = (ctypes.c_char * (3 * HUGE_PAGE))()  # zero-filled, so touched: malloc maps it on its own
        start = -(-ctypes.addressof(region) // HUGE_PAGE) * HUGE_PAGE
        if collapse(start, HUGE_PAGE):
            return True
    return False


def _python_zygotes() -> list[int]:
    """Pids of this test process's zygote interpreters (not the bubblewrap processes above them)."""
    found = []
    for pid in _descendants(os.getpid()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
            parent_cmdline = Path(f"/proc/{parent}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        is_boot = b"grader.sandbox.boot" in b" ".join(cmdline) and b"bwrap" not in cmdline[0]
        parent_is_boot = b"grader.sandbox.boot" in b" ".join(parent_cmdline) and b"bwrap" not in parent_cmdline[0]
        if is_boot and not parent_is_boot and b"zygote" in cmdline:
            found.append(pid)
    return found


def _huge_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("AnonHugePages:"):
            return int(line.split()[1])
    return 0


@pytest.mark.slow
def test_an_idle_zygote_holds_its_heap_in_huge_pages_and_still_forks_at_once():
    if not _kernel_collapses():
        pytest.skip("this kernel does not collapse memory into huge pages (MADV_COLLAPSE, Linux >= 6.1)")
    if hidden_by_fresh_mounts([str(ROOT), sys.executable]) or not detect("auto").bwrap:
        pytest.skip("this checkout cannot use the fork server (under /tmp, or no bubblewrap)")
    forkserver.shutdown()
    limits = Limits(fork_server=1, call_timeout=5.0)
    request = {"filename": "<s.py>", "units": [{"source": "def f():\n    return 1.0\n", "first_line": 1,
                                                "label": "module"}], "functions": ["f"]}
    with Sandbox(request, limits) as sb:  # starts the zygote
        assert sb.load().fatal is None and sb.forking
    zygotes = _python_zygotes()
    assert len(zygotes) == 1
    deadline = time.monotonic() + 20
    while _huge_kib(zygotes[0]) < 32 << 10 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _huge_kib(zygotes[0]) >= 32 << 10  # torch's ~145 MiB: most of it in 2 MiB pages
    start = time.monotonic()
    with Sandbox(request, limits) as sb:
        assert sb.load().fatal is None and sb.forking
        assert sb.call("f", []).status == "ok"
    assert time.monotonic() - start < 5  # forked from the same zygote, not a new start-up
    assert _python_zygotes() == zygotes
