"""The child runs function k+1 while the grader names function k's mistake; the calls keep their order.

:func:`grader.grading._grade_functions` judges a function as soon as its
replies are in, repeats its first calls if it lost points, then sends the
next function's calls before naming the mistake (the slowest part of
feedback), so the child computes while the grader names. These tests grade
whole submissions through the real sandbox and watch the order of what the
grader sends, receives, judges and names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import execute, grading
from grader.discover import Submission, sha256_file
from grader.limits import Limits
from grader.rubric import load_rubrics

pytestmark = pytest.mark.slow

CORRECT = Path(__file__).resolve().parents[1] / "corpora" / "mistakes" / "_correct_hw2.py"
RUBRIC = load_rubrics()["hw2"]
# The first function of hw2, written correctly and then given a little noise of its own: the
# mistake that only a repeated call reveals (same inputs, different outputs).
OWN_NOISE = '''
def ddpm_posterior(x_t, x0, betas, t):
    mean, var = _ddpm_posterior_exact(x_t, x0, betas, t)
    return mean + 1e-2 * torch.randn_like(mean), var
'''


@pytest.fixture
def events(monkeypatch):
    seen: list[tuple[str, str]] = []
    send, receive, judge = execute.Sandbox.send_calls, execute.Sandbox.receive_calls, grading._judge_function
    name = grading.name_misconception

    def logged_send(self, requests):
        sent = send(self, requests)
        seen.append(("send", ",".join(dict.fromkeys(r.function for r in requests))))
        sent.functions = seen[-1][1]
        return sent

    def logged_receive(self, sent):
        outcomes = receive(self, sent)
        seen.append(("receive", sent.functions))
        return outcomes

    def logged_judge(batch, describer, reply):
        seen.append(("judge", batch.fn.name))
        return judge(batch, describer, reply)

    def logged_name(assignment, function, evidence):
        seen.append(("name", function))
        return name(assignment, function, evidence)

    monkeypatch.setattr(grading, "name_misconception", logged_name)
    monkeypatch.setattr(execute.Sandbox, "send_calls", logged_send)
    monkeypatch.setattr(execute.Sandbox, "receive_calls", logged_receive)
    monkeypatch.setattr(grading, "_judge_function", logged_judge)
    return seen


def _grade(path: Path) -> dict:
    sub = Submission("hw2", path.stem, path, path, "module", sha256_file(path), path.name)
    return grading.grade_submission(sub, RUBRIC, Limits(call_timeout=10.0, fork_server=1))


def test_a_correct_submission_sends_each_function_once_in_order(events):
    doc = _grade(CORRECT)
    assert doc["score"] == doc["max_score"]
    names = [fn.name for fn in RUBRIC.functions]
    sends = [name for what, name in events if what == "send"]
    assert sends == names  # one message per function, in the rubric's order, no repeats (all passed)
    assert not [e for e in events if e[0] == "name"]
    for before, after in zip(names, names[1:]):
        assert events.index(("receive", before)) < events.index(("judge", before)) < events.index(("send", after))


def test_own_random_numbers_are_found_and_named_while_the_next_function_runs(events, tmp_path):
    source = CORRECT.read_text().replace("def ddpm_posterior(", "def _ddpm_posterior_exact(", 1) + OWN_NOISE
    path = tmp_path / "noisy.py"
    path.write_text(source)
    doc = _grade(path)
    items = {item["function"]: item for item in doc["items"]}
    first = items.pop("ddpm_posterior")
    assert first["score"] < first["max_score"]
    assert (first["misconception"] or {}).get("name") == "draws_own_random_numbers"
    assert all(item["score"] == item["max_score"] for item in items.values())  # the others, untouched
    sends = [name for what, name in events if what == "send"]
    names = [fn.name for fn in RUBRIC.functions]
    repeats = len(sends) - len(names)  # its repeated first calls, one message per elementwise check
    assert repeats >= 1 and sends == [names[0]] * (1 + repeats) + names[1:]  # the order of one at a time
    assert events.index(("send", names[1])) < events.index(("name", names[0])) < events.index(("receive", names[1]))
