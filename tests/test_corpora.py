"""The independent corpora, graded through the real sandbox (see tests/corpora/__init__.py).

* every public-style correct submission, and every corpus author's control,
  gets full marks on every function it defines;
* every single-mistake submission loses credit on its function (except the
  few marked ``undetected: yes``, known gaps kept visible);
* the grader never names a wrong mistake, and names the right one for at
  least 90% of the detected mistakes, on the development corpus
  (``mistakes/``) and on the held-out one (``heldout/``) alike;
* every name the corpora accept exists (a typo would silently count as a miss).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from grader.limits import Limits
from grader.rubric import load_rubrics
from tests.corpora import correct, grade_file, mistakes

pytestmark = pytest.mark.slow

RUBRICS = load_rubrics()
MISTAKES = mistakes() + mistakes("heldout")
CORRECT = [(a, p) for a, paths in correct().items() for p in paths]
# The fork server (issue 9) grades the ~220 corpus files: the same verdicts as
# spawning (measured: 20 mistakes, identical scores and names, 26 s against
# 128 s on a loaded 2-core machine), and it puts the zygote through far more
# submissions than its own tests do. Spawning is the default and grades the
# sample class (tests/conftest.py); where no zygote can start, grading falls
# back to spawning and says so in a note, so these tests still hold.
LIMITS = Limits(call_timeout=20.0, fork_server=1)


@pytest.fixture(scope="module")
def mistake_docs():
    with ThreadPoolExecutor(2) as pool:
        docs = pool.map(lambda m: grade_file(m.path, m.assignment, RUBRICS[m.assignment], LIMITS, m.function),
                        MISTAKES)
        return {m.path: d["items"][0] for m, d in zip(MISTAKES, docs)}


@pytest.mark.parametrize("assignment, path", CORRECT, ids=[f"{a}/{p.stem}" for a, p in CORRECT])
def test_correct_submissions_get_full_marks(assignment, path):
    doc = grade_file(path, assignment, RUBRICS[assignment], LIMITS)
    assert not doc["errors"], doc["errors"]
    defined = [i for i in doc["items"] if i["status"] != "missing"]
    assert defined
    lost = {i["function"]: (i["score"], i["max_score"], i["feedback"][:2]) for i in defined
            if i["score"] < i["max_score"]}
    assert not lost, lost


def test_the_corpus_is_large_enough():
    assert len(mistakes()) >= 60 and len(mistakes("heldout")) >= 40
    assert all(len(paths) >= 2 for paths in correct().values())


def test_every_accepted_name_exists():
    from grader.judge.diagnose import PROPERTIES
    from reference.misconceptions import for_function

    unknown = [(m.student, n) for m in MISTAKES for n in m.names
               if n not in PROPERTIES and n not in {v.name for v in for_function(m.assignment, m.function)}]
    assert not unknown


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: f"{m.assignment}/{m.student}")
def test_every_mistake_loses_credit_and_is_never_misnamed(mistake, mistake_docs):
    item = mistake_docs[mistake.path]
    if mistake.undetected:
        pytest.skip("marked undetected by its author (a known gap)")
    assert item["score"] < item["max_score"], f"{mistake.description}: full marks"
    named = (item["misconception"] or {}).get("name")
    assert named is None or named in mistake.names, (
        f"{mistake.description}: named {named!r}, right would be {mistake.names}")


@pytest.mark.parametrize("corpus", ["mistakes", "heldout"])
def test_naming_rate_on_the_independent_corpora(corpus, mistake_docs):
    corpus_items = [m for m in MISTAKES if m.path.is_relative_to(m.path.parents[2] / corpus)]
    assert corpus_items
    detected = [m for m in corpus_items if mistake_docs[m.path]["score"] < mistake_docs[m.path]["max_score"]]
    named = [m for m in detected if (mistake_docs[m.path]["misconception"] or {}).get("name") in m.names]
    missed = [f"{m.assignment}/{m.student}" for m in detected if m not in named]
    assert len(named) >= 0.9 * len(detected), f"{len(named)} of {len(detected)} named; unnamed: {missed}"
