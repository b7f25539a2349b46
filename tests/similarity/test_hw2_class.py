"""The bundled hw2 class: its honest students stay below the threshold with a margin; a disguised copy is found."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from grader.discover import discover
from grader.similarity import DEFAULT_THRESHOLD, extract_codes, handout_code, similar_pairs, similarity_for_assignment

ROOT = Path(__file__).resolve().parents[2]
HW2 = ROOT / "submissions" / "hw2"
#: Measured: 0.491 (alan_turing and kurt_goedel, one author wrote the whole class from one spec).
HONEST_MAXIMUM = 0.50
MARGIN = 0.1


@pytest.fixture(scope="module")
def hw2(rubrics):
    found = extract_codes(discover(HW2, set(rubrics)).submissions)
    return found.codes, handout_code(rubrics["hw2"])


def _disguise(code: str) -> str:
    """A copy as a student hides it: every parameter and local renamed, functions in reverse order, comments dropped,
    layout redone (ast.unparse)."""
    tree = ast.parse(code)
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    imported = {a.asname or a.name for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    keep = functions | imported | set(dir(__builtins__) if isinstance(__builtins__, dict) else dir(__builtins__))

    class Rename(ast.NodeTransformer):
        def visit_arg(self, node):
            node.arg = "q_" + node.arg
            return node

        def visit_Name(self, node):
            if node.id not in keep:
                node.id = "q_" + node.id
            return node

    tree = Rename().visit(tree)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    tree.body = [n for n in tree.body if not isinstance(n, ast.FunctionDef)] + defs[::-1]
    return ast.unparse(tree)


def test_the_honest_students_stay_below_the_threshold_with_a_margin(hw2):
    codes, handout = hw2
    assert len(codes) == 13
    everything = similar_pairs(codes, handout, 0.0, min_overlap=0, z=None)
    assert len(everything) == 13 * 12 // 2
    highest = everything[0]
    assert 0.3 < highest.similarity <= HONEST_MAXIMUM  # measured: fails if the class or the measure changes
    assert HONEST_MAXIMUM + MARGIN <= DEFAULT_THRESHOLD
    assert similar_pairs(codes, handout, DEFAULT_THRESHOLD) == []


STUDENTS = sorted(p.stem for p in HW2.iterdir() if p.suffix in (".py", ".ipynb") or p.is_dir())


@pytest.mark.parametrize("student", [s for s in STUDENTS if s != "john_nash"])  # john_nash does not parse
def test_a_disguised_copy_of_one_student_is_found_and_only_it(hw2, student):
    codes, handout = hw2
    copy = _disguise(codes[student])
    assert "q_" in copy and copy != codes[student]
    pairs = similar_pairs(codes | {"zz_copy": copy}, handout)
    assert [(p.student_a, p.student_b) for p in pairs] == [(student, "zz_copy")]
    # measured: 0.69 (carl_gauss, numpy code that ast.unparse re-lays most) to 0.95 (pierre_laplace)
    assert pairs[0].similarity >= DEFAULT_THRESHOLD + 0.05


def test_the_pages_of_the_class_are_written(tmp_path, rubrics):
    folder = tmp_path / "hw2"
    shutil.copytree(HW2, folder)
    (folder / "zz_copy.py").write_text(_disguise((HW2 / "ada_lovelace.py").read_text(encoding="utf-8")),
                                       encoding="utf-8")
    subs = discover(folder, set(rubrics)).submissions
    summary = similarity_for_assignment(tmp_path / "out", "hw2", subs, handout_code(rubrics["hw2"]))
    assert len(summary.compared) == 14 and summary.skipped == {}
    assert [p.name for p in summary.pages] == ["ada_lovelace--zz_copy.html"]


def test_a_class_whose_honest_pairs_are_alike_raises_its_own_threshold():
    """hw4's short formulaic solutions resemble one another (up to 0.71): none is flagged, a copy is."""
    from grader.discover import discover
    from grader.rubric import load_rubrics
    from grader.similarity.extract import extract_codes, handout_code

    rubrics = load_rubrics()
    subs = [s for s in discover(HW2.parent, rubrics).submissions if s.assignment == "hw4"]
    codes = extract_codes(subs).codes
    handout = handout_code(rubrics["hw4"])
    alike = similar_pairs(codes, handout, DEFAULT_THRESHOLD, z=None)
    assert alike  # the absolute threshold alone flags honest students here ...
    assert similar_pairs(codes, handout) == []  # ... the class's own statistics do not
    copied = similar_pairs(codes | {"zz_copy": codes["ronald_fisher"]}, handout)
    assert [(p.student_a, p.student_b) for p in copied] == [("ronald_fisher", "zz_copy")]


def test_class_threshold_needs_enough_pairs_and_never_goes_below_the_threshold():
    from grader.similarity.pairs import class_threshold

    assert class_threshold([0.5] * 9, 0.6) == 0.6  # fewer than 10 pairs: the threshold alone
    assert class_threshold([0.1] * 20, 0.6) == 0.6  # a class of strangers: never lowered
    spread = [0.40, 0.45, 0.50, 0.55, 0.60, 0.42, 0.48, 0.52, 0.58, 0.62]
    assert 0.6 < class_threshold(spread, 0.6) <= 1.0
