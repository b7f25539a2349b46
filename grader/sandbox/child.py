"""The sandbox child: runs one submission and calls its functions on request.

Started by :mod:`grader.execute` as ``python -I -c BOOT PACKAGE_ROOT REQ_FD
RESP_FD LIMITS`` (BOOT puts PACKAGE_ROOT, the parent's own checkout, first on
``sys.path`` and calls :func:`main`) in a scratch directory, under resource limits. It never
receives reference answers: only inputs (arrays, numbers, fixture
descriptions) and function names. Its conversation with the grader:

1. ``{"op": "load", "filename", "units": [{"source", "first_line", "label"}],
   "functions": [...]}`` -> executes each unit (a module is one unit, a
   notebook one per code cell) and answers ``{"defined": [...], "errors":
   [...], "stdout": ...}``.
2. ``{"op": "call", "function", "args": [...], "timeout", "requires_grad",
   "grad"}`` -> calls the function and answers ``{"ok": true, "value",
   "extras", "mutated", "seconds", "stdout"}`` or ``{"ok": false,
   "error": {...}}``.
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
import time
import traceback
import types
from typing import Any

import grader.sandbox.fixtures  # noqa: F401 - imported before the sys.path is narrowed
from grader.sandbox.codec import from_wire, to_wire
from grader.sandbox.protocol import read_frame, write_frame

#: Characters of student output kept per submission.
STDOUT_CAP = 64 * 1024


class _CallTimeout(BaseException):
    """Raised inside student code by the soft per-call timer."""


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


def _tensors_in(value: Any, prefix: str) -> list[tuple[str, Any]]:
    import torch

    if isinstance(value, torch.Tensor):
        return [(prefix, value)]
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += _tensors_in(v, f"{prefix}[{k!r}]")
        return out
    if isinstance(value, (list, tuple)):
        out = []
        for i, v in enumerate(value):
            out += _tensors_in(v, f"{prefix}[{i}]")
        return out
    return []


def _layout(value: Any) -> Any:
    """Which objects a dict or list argument holds (identities), recursively; None for others."""
    if isinstance(value, dict):
        return tuple((k, id(v), _layout(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple((i, id(v), _layout(v)) for i, v in enumerate(value))
    return None


def snapshot_inputs(args: list[Any], names: list[str]) -> Any:
    """Record the arguments before a call; the returned function lists those changed since.

    A tensor is changed when its shape or any value differs (an in-place
    operation); a dict or list argument when an entry was added, removed or
    replaced (``params["W_V"] = ...`` on the caller's dict). Used by the
    sandbox child and by the in-process harness, so tests see what grading sees.

    Parameters
    ----------
    args : list
        The call's arguments (tensors, numbers, dicts or lists of them, objects).
    names : list of str
        Their parameter names, for the report.

    Returns
    -------
    callable
        ``changed() -> list[str]``: the names (``params['W_V']`` for nested
        tensors) of the arguments modified since the snapshot.
    """
    import torch

    tensors = [(name, t, t.detach().clone()) for a, name in zip(args, names)
               for name, t in _tensors_in(a, str(name))]
    containers = [(str(name), a, _layout(a)) for a, name in zip(args, names) if isinstance(a, (dict, list))]

    def changed() -> list[str]:
        out = []
        for name, t, before in tensors:
            try:
                same = t.shape == before.shape and bool(torch.equal(t.detach(), before))
            except BaseException:  # noqa: BLE001 - a student may have broken the tensor
                same = False
            if not same:
                out.append(name)
        out += [name for name, c, before in containers if _layout(c) != before and name not in out]
        return out

    return changed


def _gradient_probe(value: Any, args: list[Any], grad: dict[str, Any]) -> dict[str, Any]:
    """Autograd gradient of reduce(value[output]) w.r.t. some arguments.

    Returns ``{"grad": [encoded, ...]}`` (``None`` entries for arguments the
    output does not depend on) or ``{"grad_error": message}`` when the output
    is not differentiable (e.g. computed through numpy); the call's value is
    kept either way.
    """
    import torch

    try:
        out = value[grad["output"]] if grad.get("output") is not None else value
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            kind = type(out).__name__ if not isinstance(out, torch.Tensor) else "tensor without a graph"
            return {"grad_error": f"the output is not differentiable ({kind}); autograd cannot "
                                  "reach the inputs"}
        total = out.mean() if grad.get("reduce", "mean") == "mean" else out.sum()
        wrt = [args[i] for i in grad["wrt"]]
        grads = torch.autograd.grad(total, wrt, allow_unused=True)
        return {"grad": [to_wire(g) for g in grads]}
    except _CallTimeout:
        raise
    except Exception as exc:  # noqa: BLE001
        return {"grad_error": f"{type(exc).__name__}: {str(exc)[:500]}"}


class Child:
    """State of one sandboxed submission: its module and the output stream."""

    def __init__(self, req_fd: int, resp_fd: int) -> None:
        self.req_fd = req_fd
        self.resp_fd = resp_fd
        self.module = types.ModuleType("submission")
        self.filename = "<submission>"
        self.out = _CappedWriter(STDOUT_CAP)
        self.pid = os.getpid()

    def send(self, message: dict[str, Any]) -> None:
        """Send one reply frame, with the output captured since the last one."""
        if os.getpid() != self.pid:  # a fork of the student's never speaks for the submission
            os._exit(0)
        message["stdout"] = self.out.take()
        message["stdout_dropped"] = self.out.dropped
        write_frame(self.resp_fd, message)

    def load(self, request: dict[str, Any]) -> None:
        """Run every unit of the submission and report what it defines."""
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

    def call(self, request: dict[str, Any]) -> None:
        """Call one function on decoded inputs under the soft timer and reply."""
        fn = self.module.__dict__.get(request["function"])
        args = [from_wire(a) for a in request["args"]]
        for i in request.get("requires_grad", []):
            args[i] = args[i].clone().requires_grad_(True)
        names = request.get("names") or [f"argument {i + 1}" for i in range(len(args))]
        changed = snapshot_inputs(args, names)
        timeout = float(request.get("timeout", 0))

        def on_alarm(signum: int, frame: Any) -> None:
            raise _CallTimeout

        signal.signal(signal.SIGALRM, on_alarm)
        start = time.perf_counter()
        try:
            if timeout > 0:
                signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                value = fn(*args)  # type: ignore[misc]
                extras: dict[str, Any] = {}
                grad = request.get("grad")
                if grad:
                    extras = _gradient_probe(value, args, grad)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _CallTimeout:
            self.send({"ok": False, "timeout": True, "seconds": time.perf_counter() - start})
            return
        except SystemExit as exc:
            self.send({"ok": False, "error": {**_describe(exc, self.filename), "type": "SystemExit",
                                              "message": f"sys.exit({exc.code!r}) was called"}})
            return
        except BaseException as exc:  # noqa: BLE001
            self.send({"ok": False, "error": _describe(exc, self.filename)})
            return
        seconds = time.perf_counter() - start
        self.send({"ok": True, "value": to_wire(value), "extras": extras,
                   "mutated": changed(), "seconds": seconds})

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
            elif op == "call":
                self.call(request)
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


def main(argv: list[str] | None = None) -> None:
    """Entry point; ``argv`` is ``[REQ_FD, RESP_FD, LIMITS_JSON]``."""
    import json

    argv = sys.argv[1:] if argv is None else argv
    req_fd, resp_fd = int(argv[0]), int(argv[1])
    limits = json.loads(argv[2]) if len(argv) > 2 else {}
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # oversize writes fail with EFBIG instead
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    child = Child(req_fd, resp_fd)
    sys.stdout = sys.stderr = child.out
    import torch

    torch.set_num_threads(1)
    _apply_limits(limits)
    blocked = limits.get("blocked_imports", ["reference", "grader"])
    sys.meta_path.insert(0, _DenyGraderImports(blocked))
    if "reference" in blocked:
        sys.path[:] = [p for p in sys.path if p and os.path.isdir(p) and not os.path.exists(
            os.path.join(p, "reference", "__init__.py"))]
    sys.path.insert(0, os.getcwd())
    child.serve()
    os._exit(0)


if __name__ == "__main__":
    main()
