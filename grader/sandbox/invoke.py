"""One call of a submission's function, exactly as grading makes it.

The single call path shared by the sandbox child (:mod:`grader.sandbox.child`,
which wraps it in its soft timer and output capture) and by the in-process
harness for trusted implementations (:mod:`grader.judge.inprocess`), so that
what tests measure is what grading measures. :func:`invoke`:

1. decodes the encoded arguments (:func:`~grader.sandbox.codec.from_wire`:
   tensors become ``float64``/``int64``/``bool``, fixtures are built);
2. marks the ``requires_grad`` positions (a fresh leaf tensor each);
3. snapshots the arguments (:func:`snapshot_inputs`);
4. calls the function and runs the gradient probe (:func:`gradient_probe`),
   both inside the caller's ``guard`` (the child's timer);
5. encodes the return value (:func:`~grader.sandbox.codec.to_wire`) and lists
   the arguments the call modified in place, nested tensors included.

It runs inside the sandbox, so it imports only :mod:`grader.sandbox` modules
(the child refuses the rest of ``grader`` and ``reference``) and computes no
answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import torch

from grader.sandbox.codec import from_wire, to_wire

__all__ = ["Returned", "invoke", "snapshot_inputs", "gradient_probe"]


@dataclass
class Returned:
    """What one successful call sends back to the grader.

    Attributes
    ----------
    value : Any
        The return value, encoded with :func:`~grader.sandbox.codec.to_wire`.
    extras : dict
        ``{"grad": [encoded or None, ...]}`` or ``{"grad_error": message}``
        when a gradient probe was asked for; empty otherwise.
    mutated : list of str
        Names of the arguments the call modified in place (``params['W_V']``
        for a tensor inside a dict argument).
    seconds : float
        Wall time of the call and the gradient probe.
    """

    value: Any
    extras: dict[str, Any] = field(default_factory=dict)
    mutated: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def reply(self) -> dict[str, Any]:
        """The fields of the child's ``ok`` reply.

        Returns
        -------
        dict
            ``value``, ``extras``, ``mutated`` and ``seconds``.
        """
        return {"value": self.value, "extras": self.extras, "mutated": self.mutated, "seconds": self.seconds}


def invoke(fn: Callable[..., Any], wire_args: Sequence[Any], *, names: Sequence[str] | None = None,
           requires_grad: Sequence[int] = (), grad: dict[str, Any] | None = None,
           guard: AbstractContextManager[Any] | None = None) -> Returned:
    """Call ``fn`` on decoded arguments, probe its gradient, and report what it changed.

    Parameters
    ----------
    fn : callable
        The function to call (a submission's, or a trusted implementation).
    wire_args : sequence
        Positional arguments encoded with :func:`~grader.sandbox.codec.to_wire`.
    names : sequence of str, optional
        Parameter names, used to say which argument was modified in place
        (default ``"argument 1"``, ``"argument 2"``, ...).
    requires_grad : sequence of int
        Positions of tensor arguments to replace by a clone with
        ``requires_grad=True`` before the call.
    grad : dict, optional
        Gradient probe run after the call (see :func:`gradient_probe`).
    guard : context manager, optional
        Entered around the call and the probe only (the child's soft timer);
        decoding, encoding and the in-place comparison stay outside it.

    Returns
    -------
    Returned

    Raises
    ------
    BaseException
        Whatever ``fn`` raises, or ``guard`` (e.g. a timeout), unchanged;
        :class:`~grader.sandbox.protocol.ProtocolError` for malformed
        arguments. The gradient probe itself never raises an ``Exception``.
    """
    args = [from_wire(a) for a in wire_args]
    for i in requires_grad:
        args[i] = args[i].clone().requires_grad_(True)
    labels = list(names) if names else [f"argument {i + 1}" for i in range(len(args))]
    changed = snapshot_inputs(args, labels)
    start = time.perf_counter()
    with guard if guard is not None else nullcontext():
        value = fn(*args)
        extras = gradient_probe(value, args, grad) if grad else {}
    seconds = time.perf_counter() - start
    return Returned(to_wire(value), extras, changed(), seconds)


def _tensors_in(value: Any, prefix: str) -> list[tuple[str, torch.Tensor]]:
    """Every tensor in ``value`` (through dicts, lists and tuples), named from ``prefix``."""
    if isinstance(value, torch.Tensor):
        return [(prefix, value)]
    out: list[tuple[str, torch.Tensor]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _tensors_in(v, f"{prefix}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            out += _tensors_in(v, f"{prefix}[{i}]")
    return out


def _layout(value: Any) -> Any:
    """Which objects a dict or list argument holds (identities), recursively; None for others."""
    if isinstance(value, dict):
        return tuple((k, id(v), _layout(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple((i, id(v), _layout(v)) for i, v in enumerate(value))
    return None


def snapshot_inputs(args: Sequence[Any], names: Sequence[str]) -> Callable[[], list[str]]:
    """Record the arguments before a call; the returned function lists those changed since.

    A tensor is changed when its shape or any value differs (an in-place
    operation), wherever it sits in dicts, lists and tuples; a dict or list
    argument when an entry was added, removed or replaced
    (``params["W_V"] = ...`` on the caller's dict).

    Parameters
    ----------
    args : sequence
        The call's arguments (tensors, numbers, dicts or lists of them, objects).
    names : sequence of str
        Their parameter names, for the report.

    Returns
    -------
    callable
        ``changed() -> list[str]``: the names (``params['W_V']`` for nested
        tensors) of the arguments modified since the snapshot, in argument
        order.
    """
    tensors = [(label, t, t.detach().clone()) for a, name in zip(args, names)
               for label, t in _tensors_in(a, str(name))]
    containers = [(str(name), a, _layout(a)) for a, name in zip(args, names) if isinstance(a, (dict, list))]

    def changed() -> list[str]:
        out = []
        for label, t, before in tensors:
            try:
                same = t.shape == before.shape and bool(torch.equal(t.detach(), before))
            except BaseException:  # noqa: BLE001 - a student may have broken the tensor
                same = False
            if not same:
                out.append(label)
        out += [name for name, c, before in containers if _layout(c) != before and name not in out]
        return out

    return changed


def gradient_probe(value: Any, args: Sequence[Any], grad: dict[str, Any]) -> dict[str, Any]:
    """Autograd gradient of ``reduce(value[output])`` with respect to some arguments.

    Parameters
    ----------
    value : Any
        What the call returned.
    args : sequence
        The call's arguments, the ``wrt`` ones marked ``requires_grad``.
    grad : dict
        ``{"output": index or None, "reduce": "mean" | "sum", "wrt": [positions]}``:
        which part of ``value`` to reduce to a scalar (``None``: all of it)
        and which arguments to differentiate with respect to.

    Returns
    -------
    dict
        ``{"grad": [encoded, ...]}``, one gradient per ``wrt`` position, each
        of that argument's shape (``None`` for an argument the output does
        not depend on); or ``{"grad_error": message}`` when the output is not
        differentiable (e.g. computed through numpy) or autograd fails.
    """
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
    except Exception as exc:  # noqa: BLE001 - the student's graph may break anywhere; a timeout passes
        return {"grad_error": f"{type(exc).__name__}: {str(exc)[:500]}"}
