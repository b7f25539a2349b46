"""With a memory cgroup, ``memory_mb`` limits the resident memory a submission allocates, not its address space.

Both ways, in a forked and in a spawned child: a function that reserves much
address space but touches little runs (an address-space limit of the same
size refuses it: shown with ``--isolation none``, which has no cgroups); one
that touches more than the limit is killed and the student reads that the
memory limit was exceeded; the next function runs in a fresh child, and a
later kill for another reason is not blamed on memory.
"""

from __future__ import annotations

import json

import pytest

from grader.cgroups import ADDRESS_SPACE_FACTOR, SandboxCgroups, child_limits
from grader.execute import Sandbox
from grader.isolation import detect
from grader.limits import Limits

pytestmark = pytest.mark.slow

SOURCE = """
import mmap, os, signal, torch


def reserve():
    m = mmap.mmap(-1, 1536 * 2**20)  # 1.5 GiB of address space, one page of it touched
    m[0] = 1
    return 1.0


def hog():
    x = torch.ones(200 * 2**20, dtype=torch.float64)  # 1.6 GiB, every page touched
    return float(x.sum())


def small():
    return float(torch.ones(10).sum())


def suicide():
    os.kill(os.getpid(), signal.SIGKILL)
"""
REQUEST = {"filename": "<m.py>", "units": [{"source": SOURCE, "first_line": 1, "label": "module"}],
           "functions": ["reserve", "hog", "small", "suicide"]}
HAS_MEMORY_CGROUP = detect("auto").memory_root is not None


@pytest.mark.skipif(not HAS_MEMORY_CGROUP, reason="no writable memory cgroup on this host")
@pytest.mark.parametrize("fork_server", [1, 0], ids=["forked", "spawned"])
def test_the_limit_is_resident_memory(fork_server):
    with Sandbox(REQUEST, Limits(call_timeout=20.0, memory_mb=1024, fork_server=fork_server)) as sb:
        assert sb.load().fatal is None
        assert sb.cgroup is not None and sb.cgroup.memory is not None
        assert sb.call("reserve", []).status == "ok"  # address space is not what is limited
        out = sb.call("hog", [])
        assert out.status == "crash"
        assert out.error["message"] == ("the process running the submission was killed for using more memory "
                                        "than the limit (1024 MiB of resident memory)")
        assert sb.call("small", []).status == "ok"  # a fresh child for the next function
        out = sb.call("suicide", [])
        assert out.status == "crash" and "memory" not in out.error["message"]
        assert "SIGKILL" in out.error["message"]


def test_without_cgroups_the_limit_is_address_space():
    with Sandbox(REQUEST, Limits(call_timeout=20.0, memory_mb=1024, isolation="none", fork_server=0)) as sb:
        assert sb.load().fatal is None
        assert sb.cgroup is None
        out = sb.call("reserve", [])
        assert out.status == "error" and "Cannot allocate memory" in out.error["message"]  # mmap: ENOMEM


def test_with_a_memory_cgroup_address_space_is_only_a_backstop():
    limits = Limits(memory_mb=1024)
    isolation = detect("auto")
    if isolation.memory_root is None:
        pytest.skip("no writable memory cgroup on this host")
    cgroups = SandboxCgroups(isolation, limits)
    try:
        assert json.loads(child_limits(cgroups, limits))["memory_bytes"] == ADDRESS_SPACE_FACTOR << 30
        assert (cgroups.memory.path / isolation.memory_root.limit_file).read_text().strip() == str(1 << 30)
    finally:
        cgroups.remove()
    assert not cgroups.memory.path.exists()
