"""One call path: the sandbox child and the in-process harness report the same call identically.

Each test makes the same planned call twice, once through a real sandbox child
(:class:`grader.execute.Sandbox`) and once in-process
(:func:`grader.judge.inprocess.call_in_process`), and requires the same
encoded value, the same extras (gradient probe) and the same in-place list.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest
import torch

from grader.calls import CallOutcome, PlannedCall
from grader.execute import Sandbox
from grader.judge.checks import CheckContext
from grader.judge.inprocess import call_in_process
from grader.judge.kinds import CHECK_KINDS
from grader.limits import Limits
from grader.rubric import default_rubrics_dir, load_rubric
from grader.sandbox.codec import to_wire
from grader.values import ArrayValue, DictValue, SeqValue, Value, decode_value

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]

ROOT = Path(__file__).resolve().parents[2]

SOURCE = '''
import numpy as np
import torch


def scale_params(x, params):
    params["W"].mul_(2.0)
    params["b"][1].add_(1.0)
    return x @ params["W"]


def replace_entry(x, params):
    params["W"] = params["W"] * 2.0
    return x.sum()


def leaves_inputs(x, params):
    return x @ params["W"] + params["b"][0]


def smooth(x, w, scale):
    return torch.nn.functional.softplus(x * w).sum(-1) * scale, x.detach()


def through_numpy(x, w, scale):
    return torch.from_numpy(np.tanh((x * w).detach().numpy())), x


def third(x, y, n):
    return x / 3, torch.as_tensor(y) / 3, n + 1, x.dtype == torch.float64
'''

FUNCTIONS = ["scale_params", "replace_entry", "leaves_inputs", "smooth", "through_numpy", "third"]


def _sandbox(source: str, functions: list[str]):
    request = {"filename": "<sub.py>", "units": [{"source": source, "first_line": 1, "label": "module"}],
               "functions": functions}
    sandbox = Sandbox(request, Limits(call_timeout=20.0))
    assert sandbox.load().fatal is None
    return sandbox


def _namespace(source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "<sub.py>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def synthetic():
    with _sandbox(SOURCE, FUNCTIONS) as sandbox:
        yield sandbox, _namespace(SOURCE)


def _both(sandbox: Sandbox, namespace: dict, function: str, planned: PlannedCall,
          names: list[str]) -> tuple[CallOutcome, CallOutcome]:
    """The same planned call through the sandbox (as the pipeline makes it) and in-process."""
    boxed = sandbox.call(function, [to_wire(v) for v in planned.args.values()],
                         requires_grad=planned.requires_grad, grad=planned.grad, names=names)
    local = call_in_process(namespace[function], planned, names).outcome
    return boxed, local


def _same(boxed: CallOutcome, local: CallOutcome) -> None:
    assert boxed.status == local.status == "ok", (boxed.error, local.error)
    assert boxed.value == local.value
    assert boxed.extras == local.extras
    assert boxed.mutated == local.mutated


def _params() -> dict:
    g = torch.Generator().manual_seed(0)
    return {"W": torch.randn(3, 3, generator=g, dtype=torch.float64),
            "b": [torch.randn(3, generator=g, dtype=torch.float64),
                  torch.randn(3, generator=g, dtype=torch.float64)]}


def _x() -> torch.Tensor:
    return torch.linspace(-1, 1, 6, dtype=torch.float64).reshape(2, 3)


# -- (a) in-place modification, nested tensors included -------------------------------------------


@pytest.mark.parametrize("function, expected", [
    ("scale_params", ["params['W']", "params['b'][1]"]),  # tensors inside a dict and a list in it
    ("replace_entry", ["params"]),                         # an entry of the caller's dict replaced
    ("leaves_inputs", []),
])
def test_in_place_modification_is_reported_identically(synthetic, function, expected):
    sandbox, namespace = synthetic
    planned = PlannedCall({"x": _x(), "params": _params()})
    boxed, local = _both(sandbox, namespace, function, planned, ["x", "params"])
    _same(boxed, local)
    assert local.mutated == expected


# -- (b) gradient probe ---------------------------------------------------------------------------


@pytest.mark.parametrize("function, grad, requires_grad, has_grad", [
    ("smooth", {"output": 0, "reduce": "mean", "wrt": [0, 1]}, (0, 1), True),
    ("smooth", {"output": 0, "reduce": "sum", "wrt": [0, 1, 2]}, (0, 1, 2), True),  # scale: a 0-dim tensor
    ("smooth", {"output": 1, "reduce": "mean", "wrt": [0]}, (0,), False),   # detached: no graph
    ("through_numpy", {"output": 0, "reduce": "mean", "wrt": [0]}, (0,), False),
])
def test_gradient_probe_gives_identical_extras(synthetic, function, grad, requires_grad, has_grad):
    sandbox, namespace = synthetic
    planned = PlannedCall({"x": _x(), "w": torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64),
                           "scale": torch.tensor(1.5, dtype=torch.float64)},
                          requires_grad=requires_grad, grad=grad)
    boxed, local = _both(sandbox, namespace, function, planned, ["x", "w", "scale"])
    _same(boxed, local)
    if has_grad:
        assert len(local.extras["grad"]) == len(grad["wrt"]) and all(g is not None for g in local.extras["grad"])
    else:
        assert "not differentiable" in local.extras["grad_error"]


# -- (c) a correct function: identical decoded outputs --------------------------------------------


def _equal(a: Value, b: Value) -> bool:
    """Decoded values equal bit for bit (arrays compared with numpy)."""
    if isinstance(a, ArrayValue) and isinstance(b, ArrayValue):
        return (a.source, a.orig_dtype) == (b.source, b.orig_dtype) and np.array_equal(a.data, b.data, equal_nan=True)
    if isinstance(a, SeqValue) and isinstance(b, SeqValue):
        return a.type == b.type and len(a.items) == len(b.items) and all(map(_equal, a.items, b.items))
    if isinstance(a, DictValue) and isinstance(b, DictValue):
        return a.items.keys() == b.items.keys() and all(_equal(a.items[k], b.items[k]) for k in a.items)
    return a == b


def test_arguments_arrive_as_in_the_sandbox(synthetic):
    """float32 tensors, numpy arrays and Python numbers reach the function as the child decodes them."""
    sandbox, namespace = synthetic
    planned = PlannedCall({"x": torch.tensor([1.0, 2.0], dtype=torch.float32),
                           "y": np.array([1.0, 4.0], dtype=np.float32), "n": 3})
    boxed, local = _both(sandbox, namespace, "third", planned, ["x", "y", "n"])
    _same(boxed, local)
    assert _equal(decode_value(boxed.value), decode_value(local.value))
    assert decode_value(local.value).items[3].data == 1.0  # x arrived as float64, as in the sandbox


def test_correct_submission_gives_identical_outputs_on_every_planned_call():
    """Every planned call of every hw2 check, on the bundled correct submission, both ways."""
    source = (ROOT / "submissions" / "hw2" / "ada_lovelace.py").read_text()
    rubric = load_rubric(default_rubrics_dir() / "hw2.yaml")
    namespace = _namespace(source)
    calls = 0
    with _sandbox(source, rubric.function_names) as sandbox:
        for fn in rubric.functions:
            reference = rubric.reference_function(fn.name)
            names = list(inspect.signature(reference).parameters)
            for check in fn.checks:
                ctx = CheckContext(rubric.assignment, "student_1", fn, check, reference, lambda o: str(o.error))
                for planned in CHECK_KINDS[check.kind].plan(ctx):
                    boxed, local = _both(sandbox, namespace, fn.name, planned, names)
                    _same(boxed, local)
                    assert _equal(decode_value(boxed.value), decode_value(local.value))
                    calls += 1
    assert calls >= 40
