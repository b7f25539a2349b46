"""Objects handed to student functions offer only the contract's interface.

The contract (``shared/spec/course.md``, Conventions): objects passed in
(callables, networks) offer only calling them, and ``parameters()`` for an
``nn.Module``; anything else they carry earns nothing. For every fixture the
sandbox builds in a planned call of any check of any rubric, each test below
builds the object as the child does (:func:`grader.sandbox.fixtures.build`)
and walks what is reachable from it by attribute access: ``dir()`` and
``__dict__`` of the object, of its class and of every project-defined
function, method, class or object met on the way; module parameters, buffers
and children; closure cells, default arguments, bound methods' ``__func__``
and ``__self__``; dicts, tuples and lists. Library objects (torch, builtins)
are reached but opened only as far as they can carry project data (an
instance's ``__dict__`` and slots, a Python function's closure cells and
defaults): their methods are library code. ``__globals__`` is not followed (the
fixture modules are importable in the sandbox anyway; what they hold is
problem set-up, and judge-side helpers live in ``grader.judge``, which the
sandbox refuses to import and, under bubblewrap, does not contain).

(a) no reachable callable defined by the project (module ``grader.*`` or
    ``reference.*``) other than the fixture itself, its class, and the
    class's ``forward`` and ``__init__``;
(b) no reachable callable, called (on a freshly built fixture) with the
    call's other arguments, each alone and all in order, returns the
    reference's expected output for that call (within 1e-6);
(c) no reachable number, or entry of a reachable tensor, equals up to sign a
    non-integral numeric parameter of the check (its configs and params)
    that the call's own inputs do not already show (as a number argument, an entry
    or a dimension of a tensor argument): e.g. ``m`` of the DSM gap, whose
    square is the expected loss gap, or ``data_var`` of the DDIM law.

Plus, through the real pipeline, submissions that take the old shortcuts
(``score.posterior_mean(y)``, ``eps_model.m``) earn nothing for them.
"""

from __future__ import annotations

import copy
import functools
import inspect
import types
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from grader.calls import PlannedCall
from grader.judge.checks import CheckContext
from grader.judge.expected import reference_value
from grader.judge.kinds import CHECK_KINDS
from grader.rubric import load_rubrics
from grader.sandbox.codec import to_wire
from grader.sandbox.fixtures import FIXTURES, build
from grader.sandbox.protocol import Fixture
from grader.values import DictValue, SeqValue, Value, as_array, decode_value

RUBRICS = load_rubrics()
STUDENT = "interface_student"
PROJECT = ("grader", "reference")
MAX_DEPTH = 8
#: Attributes not followed: module namespaces (see the module docstring).
SKIP = {"__globals__", "__builtins__"}
LEAVES = (type(None), bool, int, float, complex, str, bytes, torch.Tensor, np.ndarray, np.generic,
          types.CodeType, types.ModuleType, torch.dtype, torch.device, torch.Generator)


@dataclass
class Case:
    """One fixture argument of one planned call."""

    ctx: CheckContext
    planned: PlannedCall
    arg: str

    @property
    def fixture(self) -> Fixture:
        return self.planned.args[self.arg]


def _collect() -> list[tuple[str, Case]]:
    cases = []
    for assignment, rubric in sorted(RUBRICS.items()):
        for fn in rubric.functions:
            for check in fn.checks:
                ctx = CheckContext(assignment, STUDENT, fn, check, rubric.reference_function(fn.name), str)
                for i, planned in enumerate(CHECK_KINDS[check.kind].plan(ctx)):
                    for name, value in planned.args.items():
                        if isinstance(value, Fixture):
                            cases.append((f"{assignment}/{fn.name}/{check.name}/{i}/{value.name}",
                                          Case(ctx, planned, name)))
    return cases


CASES = _collect()
IDS = [c[0] for c in CASES]


def test_every_registered_fixture_is_exercised():
    assert {case.fixture.name for _, case in CASES} == set(FIXTURES)


# -- the walk ------------------------------------------------------------------------------------
Step = tuple[str, Any]


def _owner(obj: Any) -> str:
    """Module that defines ``obj`` (a function, method, class) or the class of an instance."""
    target = obj
    if isinstance(obj, types.MethodType):
        target = obj.__func__
    elif isinstance(obj, functools.partial):
        target = obj.func
    try:
        if isinstance(target, type) or inspect.isroutine(target):
            mod = getattr(target, "__module__", None)
        else:
            mod = type(target).__module__
    except Exception:  # noqa: BLE001 - a hostile __getattr__
        return ""
    return mod if isinstance(mod, str) else ""


def _is_project(obj: Any) -> bool:
    return _owner(obj).split(".")[0] in PROJECT


def _attrs(obj: Any, names: list[str]) -> list[tuple[Step, Any]]:
    out = []
    for name in names:
        if name in SKIP:
            continue
        try:
            out.append((("attr", name), getattr(obj, name)))
        except Exception:  # noqa: BLE001 - properties may raise
            continue
    return out


def _children(obj: Any) -> list[tuple[Step, Any]]:
    if isinstance(obj, LEAVES):
        return []
    if isinstance(obj, (dict, types.MappingProxyType)):
        return [(("item", k), v) for k, v in list(obj.items()) if k not in SKIP]
    if isinstance(obj, (tuple, list)):
        return [(("index", i), v) for i, v in enumerate(obj)]
    if isinstance(obj, (set, frozenset)):
        return [(("iter", i), v) for i, v in enumerate(obj)]
    if isinstance(obj, types.CellType):
        try:
            return [(("cell", None), obj.cell_contents)]
        except ValueError:  # an empty cell
            return []
    if isinstance(obj, functools.partial):
        return _attrs(obj, ["func", "args", "keywords"])
    if isinstance(obj, types.MethodType):
        return _attrs(obj, ["__func__", "__self__"])
    if _is_project(obj) or isinstance(obj, nn.Module):
        return _attrs(obj, sorted(dir(obj)))
    if isinstance(obj, types.FunctionType):  # a library function: only what it carries
        return _attrs(obj, ["__closure__", "__defaults__", "__kwdefaults__", "__wrapped__", "__dict__"])
    if isinstance(obj, type) or inspect.isroutine(obj):
        return []  # library classes and builtin routines
    names = sorted(vars(obj)) if hasattr(obj, "__dict__") else []
    slots = [s for k in type(obj).__mro__ for s in getattr(k, "__slots__", ()) if isinstance(s, str)]
    return _attrs(obj, names + slots)


def walk(root: Any) -> list[tuple[tuple[Step, ...], Any]]:
    """Everything reachable from ``root``, each once with its shortest path (breadth first)."""
    seen: dict[int, Any] = {}  # keeps every object alive, so no id is reused during the walk
    reached = []
    queue: deque[tuple[tuple[Step, ...], Any, int]] = deque([((), root, 0)])
    while queue:
        path, obj, depth = queue.popleft()
        if id(obj) in seen:
            continue
        seen[id(obj)] = obj
        reached.append((path, obj))
        if depth < MAX_DEPTH:
            for step, child in _children(obj):
                if id(child) not in seen:
                    queue.append((path + (step,), child, depth + 1))
    return reached


def resolve(root: Any, path: tuple[Step, ...]) -> Any:
    """Follow ``path`` from ``root`` (on a fresh fixture, so calls cannot disturb each other)."""
    obj = root
    for kind, key in path:
        if kind == "attr":
            obj = getattr(obj, key)
        elif kind in ("item", "index"):
            obj = obj[key]
        elif kind == "iter":
            obj = list(obj)[key]
        else:
            obj = obj.cell_contents
    return obj


def _where(path: tuple[Step, ...]) -> str:
    text = "fixture"
    for kind, key in path:
        text += f".{key}" if kind == "attr" else ".cell_contents" if kind == "cell" else f"[{key!r}]"
    return text


@functools.cache
def _walked(index: int) -> list[tuple[tuple[Step, ...], Any]]:
    return walk(build(CASES[index][1].fixture))


# -- (a) -----------------------------------------------------------------------------------------
def _allowed(root: Any, path: tuple[Step, ...], obj: Any) -> bool:
    if path == () or obj is type(root):
        return True
    func = obj.__func__ if isinstance(obj, types.MethodType) else obj
    qualname = getattr(func, "__qualname__", "")
    return qualname in (f"{type(root).__qualname__}.forward", f"{type(root).__qualname__}.__init__")


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_no_project_callable_but_forward(index):
    root = build(CASES[index][1].fixture)
    bad = sorted({_where(path) for path, obj in _walked(index)
                  if callable(obj) and _is_project(obj) and not _allowed(root, path, obj)})
    assert not bad, f"project-defined callables reachable besides forward: {bad}"


# -- (b) -----------------------------------------------------------------------------------------
def _arrays(value: Value) -> list[np.ndarray] | None:
    arr = as_array(value)
    if arr is not None:
        return [arr.data]
    if isinstance(value, SeqValue):
        parts = [_arrays(v) for v in value.items]
        return None if any(p is None for p in parts) else [a for p in parts for a in p]  # type: ignore[union-attr]
    if isinstance(value, DictValue):
        return _arrays(SeqValue(tuple(value.items[k] for k in sorted(value.items)), "tuple"))
    return None


def _equal(expected: list[np.ndarray], got: Any) -> bool:
    try:
        arrays = _arrays(decode_value(to_wire(got)))
    except Exception:  # noqa: BLE001 - not a contract value (a module, a generator, ...)
        return False
    if arrays is None or len(arrays) != len(expected):
        return False
    for e, g in zip(expected, arrays):
        if e.size != g.size or not np.allclose(g.reshape(e.shape), e, rtol=1e-6, atol=1e-6, equal_nan=True):
            return False
    return True


def _argument_lists(case: Case) -> list[list[Any]]:
    others = [v for k, v in case.planned.args.items() if k != case.arg and not isinstance(v, Fixture)]
    tensors = [v for v in others if isinstance(v, torch.Tensor)]
    lists = [[v] for v in others]
    for extra in (tensors, others):
        if len(extra) > 1 and extra not in lists:
            lists.append(extra)
    return lists


def _pristine(args: list[Any], backup: list[Any]) -> None:
    """Undo whatever a call did to its arguments (in-place changes, attributes set on tensors)."""
    for i, (a, b) in enumerate(zip(args, backup)):
        if isinstance(a, torch.Tensor) and (a._version != b[1] or a.__dict__):
            args[i] = b[0].clone()
            backup[i] = (b[0], args[i]._version)


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_no_reachable_callable_returns_the_expected_output(index):
    case = CASES[index][1]
    expected = _arrays(reference_value(case.ctx, case.planned))
    assert expected is not None
    callables = [(path, obj) for path, obj in _walked(index) if callable(obj)]
    arg_lists = [[copy.deepcopy(a) for a in args] for args in _argument_lists(case)]
    backups = [[(a.clone(), a._version) if isinstance(a, torch.Tensor) else None for a in args]
               for args in arg_lists]
    hits = []
    for path, walked in callables:
        for args, backup in zip(arg_lists, backups):
            try:
                fn = resolve(build(case.fixture), path)
            except Exception:  # noqa: BLE001 - the walk itself changed the path (lazy class annotations)
                fn = walked
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    got = fn(*args)
                except Exception:  # noqa: BLE001 - most reachable callables reject these arguments
                    got = None
            _pristine(args, backup)
            if got is not None and _equal(expected, got):
                hits.append(f"{_where(path)}({len(args)} argument(s))")
    assert not hits, f"reachable callables that return the expected output: {hits}"


# -- (c) -----------------------------------------------------------------------------------------
def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    return []


def _hidden_parameters(case: Case) -> list[float]:
    """Numbers of the check's configs and params that the call's inputs do not show.

    Whole numbers are left out: they are sizes, counts and seeds (N, d, T, steps, hidden widths),
    which the shapes of the inputs and of the fixture's own weights show anyway, and they coincide
    with countless harmless integers (``nn.Module._version`` is 1).
    """
    check = case.ctx.check
    params = {abs(x) for x in _numbers([*check.configs, check.params]) if x != int(x)}
    shown: list[np.ndarray] = []
    for v in case.planned.args.values():
        if isinstance(v, torch.Tensor):
            shown += [v.detach().double().numpy().ravel(), np.asarray(v.shape, dtype=np.float64)]
        elif not isinstance(v, Fixture):
            shown.append(np.asarray(_numbers(v), dtype=np.float64))
    flat = np.abs(np.concatenate(shown)) if shown else np.zeros(0)
    return sorted(p for p in params if not np.isclose(flat, p, rtol=1e-9, atol=0).any())


def _leaf_values(obj: Any) -> np.ndarray | None:
    if isinstance(obj, bool):
        return None
    if isinstance(obj, (int, float)):
        return np.asarray([float(obj)])
    if isinstance(obj, torch.Tensor) and obj.dtype != torch.bool and not obj.is_complex():
        return obj.detach().double().numpy().ravel()
    return None


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_no_reachable_number_is_a_hidden_check_parameter(index):
    case = CASES[index][1]
    params = _hidden_parameters(case)
    hits = []
    for path, obj in _walked(index):
        values = _leaf_values(obj)
        if values is None:
            continue
        for p in params:
            if np.isclose(np.abs(values), p, rtol=1e-9, atol=0).any():
                hits.append(f"{_where(path)} holds {p:g}")
    assert not hits, f"check parameters readable from the fixture: {hits}"


def test_the_walk_finds_what_it_must():
    """Self-test of the walker on a fixture that leaks in every way the tests look for."""

    def secret() -> float:
        return 0.5

    class Leaky(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("_b", torch.tensor([0.25, 1.0]))
            self._f = functools.partial(lambda y, k=0.125: y * k)
            self._g = lambda: secret()

        def forward(self, y: torch.Tensor) -> torch.Tensor:
            return y

        def shortcut(self, y: torch.Tensor) -> torch.Tensor:
            return 2 * y

    Leaky.__module__ = "grader.sandbox.leaky"
    Leaky.shortcut.__module__ = "grader.sandbox.leaky"
    root = Leaky()
    reached = walk(root)
    paths = {_where(p) for p, _ in reached}
    assert "fixture.shortcut" in paths and "fixture._b" in paths
    values = [v for _, obj in reached if (v := _leaf_values(obj)) is not None]
    found = np.concatenate(values)
    assert {0.25, 0.125}.issubset(set(found.tolist()))
    assert any(o is secret for _, o in reached)  # through the lambda's closure
    fn = resolve(Leaky(), next(p for p, o in reached if _where(p) == "fixture.shortcut"))
    assert torch.equal(fn(torch.ones(2)), 2 * torch.ones(2))
    assert not _allowed(root, (("attr", "shortcut"),), root.shortcut)
    assert _allowed(root, (("attr", "forward"),), root.forward)


# -- the old shortcuts through the real pipeline -------------------------------------------------
SHORTCUTS = {
    "tweedie_shortcut": ("hw1", "tweedie_posterior_mean",
                         "def tweedie_posterior_mean(y, score, Sigma):\n    return score.posterior_mean(y)\n"),
    "tweedie_honest": ("hw1", "tweedie_posterior_mean",
                       "def tweedie_posterior_mean(y, score, Sigma):\n    return y + score(y) @ Sigma.T\n"),
    "dsm_m_shortcut": ("hw2", "dsm_loss",
                       "def dsm_loss(eps_model, x0, t, eps, lam):\n    return eps_model.m ** 2\n"),
}


def _grade(tmp_path, assignment: str, student: str, source: str) -> dict[str, Any]:
    from grader.discover import Submission, sha256_file
    from grader.limits import Limits
    from grader.pipeline import grade_submission

    path = tmp_path / f"{student}.py"
    path.write_text(source)
    sub = Submission(assignment, student, path, path, "module", sha256_file(path), path.name)
    return grade_submission(sub, RUBRICS[assignment], Limits())


def _checks_of(doc: dict[str, Any], function: str) -> dict[str, Any]:
    (item,) = [i for i in doc["items"] if i["function"] == function]
    return item


@pytest.mark.slow
@pytest.mark.parametrize("student", ["tweedie_shortcut", "dsm_m_shortcut"])
def test_attribute_shortcuts_earn_nothing(tmp_path, student):
    assignment, function, source = SHORTCUTS[student]
    item = _checks_of(_grade(tmp_path, assignment, student, source), function)
    if student == "tweedie_shortcut":
        assert item["score"] == 0.0 and item["status"] == "error", item
        assert all(c["outcome"] == "error" for c in item["checks"])
    else:  # dsm_loss: nothing from the loss-gap check (its other checks are elementwise and fail anyway)
        gap = [c for c in item["checks"] if c["kind"] == "dsm_gap"]
        assert gap and all(c["score"] == 0.0 for c in gap), item
        assert item["score"] == 0.0, item
    assert all("AttributeError" in " ".join(c["messages"]) for c in item["checks"]), item


@pytest.mark.slow
def test_the_contract_interface_earns_full_marks(tmp_path):
    assignment, function, source = SHORTCUTS["tweedie_honest"]
    item = _checks_of(_grade(tmp_path, assignment, "tweedie_honest", source), function)
    assert item["status"] == "passed" and item["score"] == item["max_score"], item

