"""Execute stage: drive one sandboxed child process per submission.

The grader never imports student code. :class:`Sandbox` runs
:mod:`grader.sandbox.child` of this same checkout in a child process: forked
from the process's warm zygote (``limits.fork_server``, the default:
:mod:`grader.sandbox.forkserver`, namespaces and a pids cgroup of its own), or
a fresh ``python -I`` where the host cannot protect a forked child (said
once). The child runs in a private scratch directory under the
:class:`~grader.limits.Limits` it is given; it gets the submission's source
once, then batches of calls. Each call has a CPU-time limit and a wall-clock
backstop (:mod:`grader.sandbox.timer`); after a kill or a crash the next call
starts a fresh child, so a hang costs only the call that hung.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from typing import Any

from grader.calls import CallOutcome, CallRequest, SentCalls
from grader.cgroups import SandboxCgroups, cgroups_for, child_limits, exit_text
from grader.child_command import spawn_command, zygote_of
from grader.isolation import detect
from grader.limits import Limits
from grader.parked import start_ahead, take
from grader.replies import LoadReply, outcome_of_reply, pipe
from grader.sandbox.forkserver import ForkedChild, Zygote, ZygoteError, forget
from grader.sandbox.protocol import ProtocolError, read_frame, write_frame
from grader.sandbox.timer import GRACE_SECONDS

__all__ = ["LoadReply", "Sandbox"]  # LoadReply: defined in grader.replies


class Sandbox:
    """One submission's child process (restarted on demand after a crash).

    Parameters
    ----------
    load_request : dict
        The ``load`` message: ``filename``, ``units``, ``functions``.
    limits : Limits
        Resource limits (:class:`grader.limits.Limits`).

    Notes
    -----
    Use as a context manager; :meth:`close` kills the child and removes the
    scratch directory. That folder is made on the host only for a child
    without a private ``/scratch`` tmpfs (no bubblewrap): a sandboxed child's
    files vanish with its mount namespace, so a killed grader leaves none.
    """

    def __init__(self, load_request: dict[str, Any], limits: Limits) -> None:
        self.load_request = load_request
        self.limits = limits
        self.scratch: str | None = None  # on the host, made by _host_scratch when a child needs it
        self.proc: subprocess.Popen[bytes] | ForkedChild | None = None
        self.req_w = self.resp_r = -1
        self.stdout_parts: list[str] = []
        self.stdout_dropped = 0
        self.starts = 0
        self.last_load: LoadReply | None = None
        self.isolation = detect(limits.isolation)
        self.cgroup: SandboxCgroups | None = None
        self.forking = bool(limits.fork_server)

    # -- life cycle --------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _host_scratch(self) -> str:
        if self.scratch is None:
            self.scratch = tempfile.mkdtemp(prefix="grader-sandbox-")
        return self.scratch

    def _fork(self, zygote: Zygote) -> None:
        req_r, self.req_w = pipe()
        self.resp_r, resp_w = pipe()
        self._stderr = tempfile.TemporaryFile()  # forked children have no stderr of their own
        cgroup = self.cgroup = cgroups_for(self.cgroup, self.isolation, self.limits)
        request = {"limits": json.loads(child_limits(self.cgroup, self.limits)),
                   "scratch": self._host_scratch() if zygote.plain else None,  # else a tmpfs of its own
                   "scratch_bytes": self.limits.scratch_mb << 20}
        try:
            self.proc = zygote.fork(request, req_r, resp_w, self.limits.startup_timeout,
                                    join=None if cgroup is None else cgroup.join)
        finally:
            os.close(req_r)
            os.close(resp_w)
        self.starts += 1

    def _spawn(self) -> None:
        zygote = zygote_of(self.limits, self.isolation) if self.forking else None
        if zygote is not None:
            try:
                self._fork(zygote)
            except ZygoteError:  # a zygote that died (or was killed) costs no student a zero
                self._kill()
                forget(zygote)
                zygote = zygote_of(self.limits, self.isolation)
                if zygote is not None:
                    self._fork(zygote)
            if zygote is not None:
                return
        self.forking = False
        req_r, self.req_w = pipe()
        self.resp_r, resp_w = pipe()
        self._stderr = tempfile.TemporaryFile()
        cgroup = self.cgroup = cgroups_for(self.cgroup, self.isolation, self.limits)
        cmd, env = spawn_command(self.isolation, self.limits.scratch_mb << 20, (req_r, resp_w),
                                 child_limits(self.cgroup, self.limits),
                                 None if self.isolation.bwrap else self._host_scratch())
        if cgroup is not None:  # join the cgroups first, then become the sandbox: every descendant inherits them
            cmd = cgroup.shell_prefix() + cmd
        try:
            self.proc = subprocess.Popen(
                cmd, pass_fds=(req_r, resp_w), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=self._stderr, cwd=self.scratch or "/",
                env=env, start_new_session=True)
        finally:
            os.close(req_r)
            os.close(resp_w)
        self.starts += 1

    def _adopt(self, parked: Sandbox) -> None:
        """Take over a child parked by :mod:`grader.parked` (same limits, nothing loaded); ``parked`` keeps nothing."""
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch, self.proc, self.req_w, self.resp_r = parked.scratch, parked.proc, parked.req_w, parked.resp_r
        self._stderr, self.cgroup, self.starts, self.forking = parked._stderr, parked.cgroup, 1, parked.forking
        parked.proc, parked.req_w, parked.resp_r, parked.cgroup, parked.scratch = None, -1, -1, None, None

    def _take_parked(self) -> Sandbox | None:
        """A parked child for these limits that is alive and whose zygote is (a killed zygote's children die)."""
        while (parked := take(self.limits)) is not None:
            zygote = getattr(parked.proc, "zygote", None)
            if parked.proc is not None and parked.proc.poll() is None and (zygote is None or zygote.alive()):
                return parked  # type: ignore[no-any-return]
            parked.close()
        return None

    def stop(self) -> None:
        """Start killing the child, without waiting: :meth:`close` then only reaps and cleans up.

        For a sandbox whose results are final (:func:`grader.closer.close_later`):
        its processes free their memory now, not when the background clean-up
        reaches them. Never raises.
        """
        try:
            if isinstance(self.proc, ForkedChild):
                self.proc.stop()
            elif self.proc is not None:
                os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _kill(self) -> None:
        if self.proc is not None:
            self.proc.kill() if isinstance(self.proc, ForkedChild) else self.stop()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass
            if isinstance(self.proc, ForkedChild):
                self.proc.close()
            self.proc = None
        if self.cgroup is not None:
            self.cgroup.kill_all()
        stderr = getattr(self, "_stderr", None)
        if stderr is not None and not stderr.closed:
            stderr.close()
        for fd in (self.req_w, self.resp_r):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.req_w = self.resp_r = -1

    def close(self) -> None:
        """Stop the child (politely, then by force) and delete the scratch directory."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                write_frame(self.req_w, {"op": "exit"})
            except OSError:
                pass
        self._kill()
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _receive(self, deadline: float) -> dict[str, Any]:
        reply = read_frame(self.resp_r, deadline)
        if not isinstance(reply, dict):
            raise ProtocolError("reply is not a JSON object")
        text = reply.get("stdout")
        if isinstance(text, str) and text:
            self.stdout_parts.append(text)
        dropped = reply.get("stdout_dropped")
        if isinstance(dropped, int):
            self.stdout_dropped = max(self.stdout_dropped, dropped)
        return reply

    def _exit_code(self) -> int | None:
        """The child's exit status (None if alive); -N for signal N, also under bubblewrap (status 128 + N)."""
        if self.proc is None:
            return None
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None
        if not isinstance(self.proc, ForkedChild) and self.isolation.bwrap and 128 < code < 128 + 65:
            return 128 - code
        return code

    def _startup_failure(self) -> str:
        code = self._exit_code()
        self._stderr.seek(0)
        tail = self._stderr.read()[-1500:].decode("utf-8", "replace").strip()
        reason = exit_text(self.cgroup, code) if code is not None else (
            "the process running the submission stopped answering while loading")
        return reason + (f": {tail.splitlines()[-1]}" if tail else "")

    def load(self, while_waiting: Callable[[], None] | None = None) -> LoadReply:
        """Start the child and run the submission's top level.

        Parameters
        ----------
        while_waiting : callable, optional
            Grader work done while the child runs it (planning); must not raise.

        Returns
        -------
        LoadReply
            ``fatal`` is set if the child could not start or died while
            loading (e.g. ``os._exit`` or an infinite loop at top level).
        """
        self._kill()
        parked = self._take_parked() if self.starts == 0 else None
        try:
            self._adopt(parked) if parked is not None else self._spawn()
        except ZygoteError as exc:
            self._kill()
            self.last_load = LoadReply(fatal=str(exc))
            return self.last_load
        if self.forking and self.starts == 1:  # the next submission's child forks while this one is graded
            start_ahead(self.limits, lambda: _spare(self.limits))
        deadline = time.monotonic() + self.limits.startup_timeout
        try:
            write_frame(self.req_w, {"op": "load", **self.load_request})
            if while_waiting is not None:
                while_waiting()
            reply = self._receive(deadline)
        except TimeoutError:
            self._kill()
            self.last_load = LoadReply(fatal=(
                f"loading the submission took longer than {self.limits.startup_timeout:g} s "
                "(an infinite loop or a long computation at top level?)"))
            return self.last_load
        except (EOFError, OSError, ProtocolError):
            self.last_load = LoadReply(fatal=self._startup_failure())
            self._kill()
            return self.last_load
        defined = [n for n in reply.get("defined", []) if isinstance(n, str)]
        raw_params = reply.get("params")
        params = raw_params if isinstance(raw_params, dict) else {}
        errors = [e for e in reply.get("errors", []) if isinstance(e, dict)]
        self.last_load = LoadReply(defined=defined, params=params, errors=errors)
        return self.last_load

    def call(self, function: str, args: list[Any], *, requires_grad: tuple[int, ...] = (),
             grad: dict[str, Any] | None = None, timeout: float | None = None,
             names: list[str] | None = None) -> CallOutcome:
        """Call ``function(*args)`` in the child: one :meth:`call_many` of one call.

        Parameters
        ----------
        function, args, requires_grad, grad, timeout, names
            As the fields of :class:`~grader.calls.CallRequest` (``timeout``:
            CPU seconds, default ``limits.call_timeout``; the wall clock to
            :meth:`~grader.limits.Limits.wall_timeout` of it).

        Returns
        -------
        CallOutcome
        """
        return self.call_many([CallRequest(function, args, tuple(requires_grad), grad, timeout, names)])[0]

    def call_many(self, requests: list[CallRequest]) -> list[CallOutcome]:
        """Make several calls in one message: :meth:`send_calls`, then :meth:`receive_calls` (its return)."""
        return self.receive_calls(self.send_calls(requests))

    def send_calls(self, requests: list[CallRequest]) -> SentCalls:
        """Send several calls in one message; the child starts on them at once (a fresh child if needed).

        Nothing else may be sent before their :meth:`receive_calls`; the grader works meanwhile.

        Parameters
        ----------
        requests : list of CallRequest
            The calls, in order; each keeps its own time limits.

        Returns
        -------
        SentCalls
            Their limits, or the one failure (no child could load the submission).
        """
        timeouts = [self.limits.call_timeout if r.timeout is None else r.timeout for r in requests]
        walls = [self.limits.wall_timeout(t) for t in timeouts]
        if not requests:
            return SentCalls([], [])
        if self.proc is None or self.proc.poll() is not None:
            loaded = self.load()
            if loaded.fatal:
                return SentCalls(timeouts, walls, CallOutcome("crash", error={"message": loaded.fatal}))
        messages = [{"function": r.function, "args": r.args, "timeout": t, "wall_timeout": w,
                     "requires_grad": list(r.requires_grad), "grad": r.grad, "names": r.names}
                    for r, t, w in zip(requests, timeouts, walls)]
        try:
            write_frame(self.req_w, {"op": "calls", "calls": messages})
        except (OSError, ProtocolError) as exc:
            code = self._exit_code() if isinstance(exc, OSError) else None
            self._kill()
            why = exit_text(self.cgroup, code) if isinstance(exc, OSError) else f"the calls could not be sent: {exc}"
            return SentCalls(timeouts, walls, CallOutcome("crash", error={"message": why}))
        return SentCalls(timeouts, walls)

    def receive_calls(self, sent: SentCalls) -> list[CallOutcome]:
        """Read the child's replies to calls sent by :meth:`send_calls`.

        The child answers call by call; a call that times out or crashes the
        child ends the batch, so a hang costs only its own time limit.

        Returns
        -------
        list of CallOutcome
            One per call made: all of them, or up to and including the first
            whose status is ``timeout`` or ``crash`` (the rest were not run).
        """
        if sent.failed is not None:
            return [sent.failed]
        outcomes: list[CallOutcome] = []
        for timeout, wall in zip(sent.timeouts, sent.walls):
            outcome = self._reply(timeout, wall)
            outcomes.append(outcome)
            if outcome.status in ("timeout", "crash"):
                break
        return outcomes

    def _reply(self, timeout: float, wall: float) -> CallOutcome:
        """Read and interpret the child's reply to one call."""
        hard = wall + GRACE_SECONDS + 2.0  # the child's own timer failed to end the call
        try:
            reply = self._receive(time.monotonic() + hard)
        except TimeoutError:
            self._kill()
            return CallOutcome("timeout", seconds=round(hard, 3), clock="kill")
        except (EOFError, OSError):
            code = self._exit_code()
            self._kill()
            return CallOutcome("crash", error={"message": exit_text(self.cgroup, code)})
        except ProtocolError as exc:
            self._kill()
            return CallOutcome("crash", error={"message": f"unreadable reply from the sandbox: {exc}"})
        if reply.get("restart") is True:  # the child exits: the next call starts a fresh one
            self._kill()
        return outcome_of_reply(reply, timeout, wall)

    @property
    def stdout(self) -> str:
        """Everything the submission printed (capped), with a note if output was dropped."""
        text = "".join(self.stdout_parts)
        if self.stdout_dropped:
            text += f"\n[... {self.stdout_dropped:,} more characters of output were discarded]"
        return text


def _spare(limits: Limits) -> Sandbox | None:
    """A child forked for a later Sandbox with ``limits`` (:func:`grader.parked.start_ahead`), or None."""
    sandbox = Sandbox({}, limits)
    try:
        zygote = zygote_of(limits, sandbox.isolation)
        if zygote is not None:
            sandbox._fork(zygote)
            return sandbox
    except (OSError, ZygoteError):
        pass
    sandbox.close()
    return None
