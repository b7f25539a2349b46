"""The data of one sandbox call: what a check plans, what the sandbox reports, what the judge reads.

Three plain dataclasses shared by the execute stage (which fills
:class:`CallOutcome`), the judge (which plans :class:`PlannedCall` and
reads :class:`CallRecord`) and the pipeline that joins them; none of them
holds reference answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from grader.values import Value, decode_value

__all__ = ["PlannedCall", "CallRequest", "CallOutcome", "CallRecord", "SentCalls", "record_of"]

#: Longest gradient-probe error message kept from the child.
GRAD_ERROR_CHARS = 600


@dataclass
class PlannedCall:
    """One sandbox call a check needs.

    Attributes
    ----------
    args : dict
        Parameter name -> value (tensors, numbers, ``Fixture``), in order.
    label : str
        Description of the inputs ("N=1, d=2, t=1"), shown for public checks.
    requires_grad : tuple of int
        Argument positions to mark ``requires_grad`` in the child.
    grad : dict or None
        Gradient probe evaluated in the child (see ``Sandbox.call``).
    expected : dict
        Grader side only, never sent: what the judge computed on these inputs
        (the reference's outputs, :mod:`grader.judge.expected`), kept so that
        a value computed while the sandbox runs is not computed again.
    """

    args: dict[str, Any]
    label: str = ""
    requires_grad: tuple[int, ...] = ()
    grad: dict[str, Any] | None = None
    expected: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class CallRequest:
    """One call as the sandbox sends it: encoded arguments and the call's own limits.

    Attributes
    ----------
    function : str
        Name of a function of the submission.
    args : list
        Positional arguments encoded by :func:`grader.sandbox.codec.to_wire`.
    requires_grad : tuple of int
        Argument positions to mark ``requires_grad`` in the child.
    grad : dict or None
        Gradient probe (see :meth:`grader.execute.Sandbox.call`).
    timeout : float or None
        CPU-time limit in seconds (None: the sandbox's ``call_timeout``).
    names : list of str or None
        Parameter names, to say which argument was modified in place.
    """

    function: str
    args: list[Any]
    requires_grad: tuple[int, ...] = ()
    grad: dict[str, Any] | None = None
    timeout: float | None = None
    names: list[str] | None = None


@dataclass
class CallOutcome:
    """Result of one function call in the sandbox.

    Attributes
    ----------
    status : {"ok", "error", "timeout", "crash"}
        ``crash`` means the child died (``os._exit``, a signal, a limit).
    value : Any
        The encoded return value when ``status == "ok"``.
    extras : dict
        Extra encoded results (``{"grad": [...]}`` for gradient probes).
    mutated : list of str
        Arguments the call modified in place.
    error : dict or None
        ``type``, ``message``, ``frames`` for ``error``; a message for ``crash``.
    seconds : float
        Wall time of the call inside the child; for ``timeout``, the limit
        that expired, in seconds of ``clock``.
    clock : {"", "cpu", "wall", "kill"}
        For ``timeout``: ``cpu`` when the call used up its CPU-time limit,
        ``wall`` when it reached the wall-clock backstop (waiting, not
        computing), ``kill`` when the grader had to kill the child.
    """

    status: Literal["ok", "error", "timeout", "crash"]
    value: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    mutated: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    seconds: float = 0.0
    clock: Literal["", "cpu", "wall", "kill"] = ""

    def timeout_message(self) -> str:
        """What a student reads about this ``timeout``: which limit, and the likely cause.

        Returns
        -------
        str
            Starts "did not finish within the time limit"; names the limit in
            seconds of CPU time (``clock == "cpu"`` or unknown) or wall-clock time.
        """
        if self.clock == "kill":
            return (f"did not finish within the time limit and was stopped after {self.seconds:g} s of "
                    "wall-clock time; one very long library call, or code that catches the time limit?")
        if self.clock == "wall":
            return (f"did not finish within the time limit ({self.seconds:g} s of wall-clock time, mostly "
                    "waiting rather than computing); sleeping, or waiting for input or a lock?")
        return (f"did not finish within the time limit ({self.seconds:g} s of CPU time); "
                "an infinite loop or far too slow?")


@dataclass
class SentCalls:
    """Calls sent to a sandbox child in one message whose replies are not read yet.

    Made by :meth:`grader.execute.Sandbox.send_calls`, read by
    :meth:`~grader.execute.Sandbox.receive_calls`.

    Attributes
    ----------
    timeouts, walls : list of float
        Each call's CPU-time limit and wall-clock backstop, seconds.
    failed : CallOutcome or None
        Set when the message never reached a child (it could not start, or
        died first): the one outcome of the whole batch.
    """

    timeouts: list[float]
    walls: list[float]
    failed: CallOutcome | None = None


@dataclass
class CallRecord:
    """A planned call, what happened in the sandbox, and the decoded value."""

    planned: PlannedCall
    outcome: CallOutcome
    value: Value = None
    decode_error: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def record_of(planned: PlannedCall, outcome: CallOutcome) -> CallRecord:
    """The record of one call: its outcome and, if it returned, the decoded value and gradients.

    Parameters
    ----------
    planned : PlannedCall
    outcome : CallOutcome
        As the sandbox (or the in-process harness) reported it.

    Returns
    -------
    CallRecord
        ``value`` and ``extras["grad"]`` decoded under the strict rules of
        :func:`grader.values.decode_value`; ``decode_error`` says why when
        they cannot be; ``extras["grad_error"]`` cut to 600 characters.
    """
    record = CallRecord(planned, outcome)
    if outcome.status != "ok":
        return record
    try:
        record.value = decode_value(outcome.value)
        grads = outcome.extras.get("grad")
        if isinstance(grads, list):
            record.extras["grad"] = [decode_value(v) for v in grads]
        if isinstance(outcome.extras.get("grad_error"), str):
            record.extras["grad_error"] = outcome.extras["grad_error"][:GRAD_ERROR_CHARS]
    except ValueError as exc:
        record.decode_error = str(exc)
    return record
