"""Entry point of every sandbox process, run by :data:`grader.child_command.BOOT`.

``python -I -c BOOT PACKAGE_ROOT REQ_FD RESP_FD LIMITS`` becomes a sandbox child
(:func:`grader.sandbox.child.main`); ``... PACKAGE_ROOT zygote CTRL_FD MODE``
becomes a fork server (:func:`grader.sandbox.zygote.main`), which imports the
child's code and forks children from it.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]


def main() -> None:
    """Run the child or, with ``zygote`` as first argument, the fork server."""
    if sys.argv[1:2] == ["zygote"]:
        from grader.sandbox.zygote import main as zygote_main

        zygote_main(sys.argv[2:])
        os._exit(0)
    from grader.sandbox.child import main as child_main

    child_main()
