"""The sandbox child: runs one submission and calls its functions on request.

Started by :mod:`grader.execute` as ``python -I -c BOOT PACKAGE_ROOT REQ_FD
RESP_FD LIMITS`` (BOOT puts PACKAGE_ROOT, the parent's own checkout, first on
``sys.path`` and calls :func:`main` through :mod:`grader.sandbox.boot`) in a
scratch directory, under resource limits, or forked by the fork server
(:mod:`grader.sandbox.zygote`), which then calls :func:`enter`. It never
receives reference answers: only inputs (arrays, numbers, fixture
descriptions) and function names. Its conversation with the grader:

1. ``{"op": "load", "filename", "units": [{"source", "first_line", "label"}],
   "functions": [...]}`` -> executes each unit (a module is one unit, a
   notebook one per code cell) and answers ``{"defined": [...], "errors":
   [...], "stdout": ...}``.
2. ``{"op": "calls", "calls": [{"function", "args": [...], "timeout", "wall_timeout",
   "requires_grad", "grad", "names"}, ...]}`` -> for each call in turn, calls the function through
   :func:`grader.sandbox.invoke.invoke` (the call path the in-process
   harness shares: argument decoding, ``requires_grad`` marking, gradient
   probe, in-place detection) under :class:`~grader.sandbox.timer.CallTimer`
   (``timeout`` seconds of CPU time, ``wall_timeout`` seconds of wall
   clock), and answers ``{"ok": true, "value", "extras", "mutated",
   "seconds", "stdout"}``, ``{"ok": false, "timeout": true, "clock",
   "limit", "seconds", "cpu_seconds"[, "restart": true]}`` or ``{"ok":
   false, "error": {...}}``: one reply frame per call, as soon as it
   returns. A call that times out ends the batch: the calls after it are
   not made and get no reply (the grader expects none).
3. ``{"op": "exit"}``.

Student output printed through ``sys.stdout``/``sys.stderr`` is captured up
to :data:`STDOUT_CAP` characters; file descriptors 1 and 2 point at
``/dev/null``.
"""

from __future__ import annotations

import builtins
import importlib.abc
import io
import os
import signal
import sys
import traceback
import types
from typing import Any

import grader.sandbox.fixtures  # noqa: F401 - imported before the sys.path is narrowed
from grader.sandbox.invoke import invoke
from grader.sandbox.protocol import read_frame, write_frame
from grader.sandbox.timer import CallTimeout, CallTimer

#: Characters of student output kept per submission.
STDOUT_CAP = 64 * 1024


class _CappedWriter(io.TextIOBase):
    """A text stream that keeps the first ``cap`` characters and counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.kept = 0
        self.dropped = 0
        self.pending: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, s: Any) -> int:
        s = str(s)
        room = self.cap - self.kept
        if room > 0:
            self.pending.append(s[:room])
            self.kept += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def take(self) -> str:
        out = "".join(self.pending)
        self.pending.clear()
        return out


class _DenyGraderImports(importlib.abc.MetaPathFinder):
    """Refuse imports of the reference answers and of the grader's own modules."""

    def __init__(self, blocked: list[str]) -> None:
        self.blocked = set(blocked)

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        top = name.partition(".")[0]
        if top in self.blocked and not name.startswith("grader.sandbox"):
            raise ImportError(f"importing {name!r} is not allowed in a submission")
        return None


def _describe(exc: BaseException, filename: str) -> dict[str, Any]:
    """Exception type, message and the student's own frames (innermost last)."""
    try:
        message = str(exc)
    except BaseException:  # a hostile __str__
        message = "<exception message could not be printed>"
    frames: list[dict[str, Any]] = []
    try:
        for fs in traceback.extract_tb(exc.__traceback__):
            if fs.filename == filename:
                frames.append({"lineno": fs.lineno, "name": fs.name})
        if isinstance(exc, SyntaxError) and exc.filename == filename and exc.lineno:
            frames.append({"lineno": exc.lineno, "name": "<module>"})
            message = exc.msg or message
    except BaseException:
        pass
    return {"type": type(exc).__name__[:100], "message": message[:2000], "frames": frames[-8:]}


class Child:
    """State of one sandboxed submission: its module and the output stream.

    Parameters
    ----------
    req_fd : int
        Pipe the grader writes requests to.
    resp_fd : int
        Pipe the replies go to.
    """

    def __init__(self, req_fd: int, resp_fd: int) -> None:
        self.req_fd = req_fd
        self.resp_fd = resp_fd
        self.module = types.ModuleType("submission")
        self.filename = "<submission>"
        self.out = _CappedWriter(STDOUT_CAP)
        self.pid = os.getpid()

    def send(self, message: dict[str, Any]) -> None:
        """Send one reply frame, with the output captured since the last one.

        Parameters
        ----------
        message : dict
            The reply; ``stdout`` and ``stdout_dropped`` are added to it.
        """
        if os.getpid() != self.pid:  # a fork of the student's never speaks for the submission
            os._exit(0)
        message["stdout"] = self.out.take()
        message["stdout_dropped"] = self.out.dropped
        write_frame(self.resp_fd, message)

    def load(self, request: dict[str, Any]) -> None:
        """Run every unit of the submission and report what it defines.

        Parameters
        ----------
        request : dict
            The ``load`` message: ``filename``, ``units``, ``functions``.
        """
        self.filename = request["filename"]
        self.module.__dict__["__file__"] = self.filename
        self.module.__dict__["__builtins__"] = builtins
        sys.modules["submission"] = self.module
        errors = []
        for unit in request["units"]:
            code_text = "\n" * (int(unit["first_line"]) - 1) + unit["source"]
            try:
                code = compile(code_text, self.filename, "exec")
                exec(code, self.module.__dict__)
            except SystemExit as exc:
                errors.append({"unit": unit["label"], **_describe(exc, self.filename),
                               "message": f"sys.exit({exc.code!r}) was called while loading"})
            except BaseException as exc:  # noqa: BLE001 - student code may raise anything
                errors.append({"unit": unit["label"], **_describe(exc, self.filename)})
        defined = [n for n in request["functions"] if callable(self.module.__dict__.get(n))]
        params: dict[str, list[str] | None] = {}
        import inspect

        for n in defined:
            try:
                params[n] = list(inspect.signature(self.module.__dict__[n]).parameters)
            except (TypeError, ValueError):
                params[n] = None
        self.send({"defined": defined, "params": params, "errors": errors})

    def call(self, request: dict[str, Any]) -> bool:
        """Call one function through :func:`~grader.sandbox.invoke.invoke` under the soft timer and reply.

        Parameters
        ----------
        request : dict
            One call of a ``calls`` message: ``function``, ``args`` (encoded),
            ``timeout`` (CPU seconds), ``wall_timeout``, ``requires_grad``, ``grad``, ``names``.

        Returns
        -------
        bool
            False if the call timed out (the rest of its batch is not made).
        """
        fn = self.module.__dict__.get(request["function"])
        timer = CallTimer(float(request.get("timeout", 0)), float(request.get("wall_timeout", 0)),
                          on_kill=self._give_up)
        try:
            returned = invoke(fn, request["args"], names=request.get("names"),  # type: ignore[arg-type]
                              requires_grad=request.get("requires_grad", []), grad=request.get("grad"),
                              guard=timer)
        except CallTimeout:
            self.send(timer.report())
            return False
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything
            if timer.fired:  # the student caught the timeout and raised something else
                self.send(timer.report())
                return False
            if isinstance(exc, SystemExit):
                self.send({"ok": False, "error": {**_describe(exc, self.filename), "type": "SystemExit",
                                                  "message": f"sys.exit({exc.code!r}) was called"}})
            else:
                self.send({"ok": False, "error": _describe(exc, self.filename)})
            return True
        if timer.fired:  # the student caught the timeout and returned within the grace
            self.send(timer.report())
            return False
        self.send({"ok": True, **returned.reply()})
        return True

    def _give_up(self, timer: CallTimer) -> None:
        """The student's code caught the timeout and its grace ran out: reply "timeout" and exit.

        Called from the timer's signal handler; the ``restart`` field tells
        the grader this child is gone (the next call starts a fresh one).
        """
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            self.send({**timer.report(), "restart": True})
        finally:
            os._exit(0)

    def serve(self) -> None:
        """Answer requests until the grader says exit or closes the pipe."""
        while True:
            if os.getpid() != self.pid:
                os._exit(0)
            try:
                request = read_frame(self.req_fd)
            except EOFError:
                return
            op = request.get("op")
            if op == "load":
                self.load(request)
            elif op == "calls":
                for call in request.get("calls", []):
                    if not self.call(call):
                        break
            else:
                return


def _apply_limits(limits: dict[str, int]) -> None:
    """Set the resource limits before any student code runs."""
    import resource

    table = {
        "memory_bytes": resource.RLIMIT_AS,
        "cpu_seconds": resource.RLIMIT_CPU,
        "file_bytes": resource.RLIMIT_FSIZE,
        "processes": resource.RLIMIT_NPROC,
        "open_files": resource.RLIMIT_NOFILE,
    }
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for key, which in table.items():
        value = int(limits.get(key, 0))
        if value > 0:
            soft, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))


def prepare() -> None:
    """Everything a sandbox process does before it knows its submission: output, torch.

    Sends fds 1 and 2 to ``/dev/null``, ignores ``SIGXFSZ`` (oversize writes
    fail with ``EFBIG`` instead), imports torch and makes it single-threaded.
    """
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    import torch

    torch.set_num_threads(1)


def enter(req_fd: int, resp_fd: int, limits: dict[str, Any]) -> None:
    """Become one submission's child: apply the limits, narrow imports, serve, exit.

    Parameters
    ----------
    req_fd, resp_fd : int
        The request and reply pipes.
    limits : dict
        The grader's :meth:`~grader.limits.Limits.child_json`, decoded.
    """
    child = Child(req_fd, resp_fd)
    sys.stdout = sys.stderr = child.out
    _apply_limits(limits)
    blocked = limits.get("blocked_imports", ["reference", "grader"])
    sys.meta_path.insert(0, _DenyGraderImports(blocked))
    if "reference" in blocked:
        sys.path[:] = [p for p in sys.path if p and os.path.isdir(p) and not os.path.exists(
            os.path.join(p, "reference", "__init__.py"))]
    sys.path.insert(0, os.getcwd())
    child.serve()
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the child: redirect output, import torch, apply the limits, narrow imports, serve.

    Parameters
    ----------
    argv : list of str, optional
        ``[REQ_FD, RESP_FD, LIMITS_JSON]`` (default ``sys.argv[1:]``).
    """
    import json

    argv = sys.argv[1:] if argv is None else argv
    req_fd, resp_fd = int(argv[0]), int(argv[1])
    limits = json.loads(argv[2]) if len(argv) > 2 else {}
    sys.stdout = sys.stderr = _CappedWriter(STDOUT_CAP)  # output while importing torch is dropped
    prepare()
    enter(req_fd, resp_fd, limits)


if __name__ == "__main__":
    main()
