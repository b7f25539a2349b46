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
    everything = similar_pairs(codes, handout, 0.0, min_overlap=0)
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
