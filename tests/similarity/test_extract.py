"""extract: modules, notebooks (magics neutralised) and folders as one text; unreadable ones skipped."""

from __future__ import annotations

import pytest

from grader.discover import discover
from grader.rubric import load_rubrics
from grader.similarity import extract_codes, handout_code, similar_pairs
from tests.similarity.cases import HANDOUT, ORIGINAL, notebook_of, write_class


def _subs(folder):
    return discover(folder, {folder.name}).submissions


def test_a_module_a_notebook_and_a_folder_give_their_code(tmp_path):
    folder = write_class(tmp_path / "hwx", {"mod.py": ORIGINAL})
    notebook_of(ORIGINAL, folder / "nb.ipynb")
    (folder / "pkg").mkdir()
    (folder / "pkg" / "homework.py").write_text(ORIGINAL, encoding="utf-8")
    found = extract_codes(_subs(folder))
    assert found.skipped == {}
    assert found.codes["mod"] == ORIGINAL and found.codes["pkg"] == ORIGINAL
    notebook = found.codes["nb"]
    assert "# [cell 1]" in notebook and "# [cell 3]" in notebook  # cells keep the notebook's numbers
    assert "%matplotlib" not in notebook  # the magic is neutralised as load_source does
    assert "def running_max(xs):" in notebook


def test_a_notebook_and_a_module_of_the_same_code_are_found(tmp_path):
    folder = write_class(tmp_path / "hwx", {"mod.py": ORIGINAL})
    notebook_of(ORIGINAL, folder / "nb.ipynb")
    (pair,) = similar_pairs(extract_codes(_subs(folder)).codes, HANDOUT)
    assert (pair.student_a, pair.student_b) == ("mod", "nb")
    assert pair.similarity_a > 0.95  # all of the module is in the notebook
    assert pair.similarity_b > 0.85  # the notebook has a neutralised magic ("pass") more


def test_unreadable_submissions_are_skipped_with_the_reason(tmp_path):
    folder = write_class(tmp_path / "hwx", {"ok.py": ORIGINAL, "empty.py": "  \n"})
    (folder / "latin.py").write_bytes(b"x = '\xe9'\n")
    (folder / "broken.ipynb").write_text("{not json", encoding="utf-8")
    (folder / "two").mkdir()
    (folder / "two" / "a.py").write_text("a = 1\n", encoding="utf-8")
    (folder / "two" / "b.py").write_text("b = 1\n", encoding="utf-8")
    found = extract_codes(_subs(folder))
    assert list(found.codes) == ["ok"]
    assert set(found.skipped) == {"empty", "latin", "broken", "two"}
    assert "not valid UTF-8" in found.skipped["latin"]
    assert "exactly one" in found.skipped["two"]
    assert "empty" in found.skipped["empty"]


def test_a_student_given_twice_is_refused(tmp_path):
    sub = _subs(write_class(tmp_path / "hwx", {"a.py": ORIGINAL}))[0]
    with pytest.raises(ValueError, match="two submissions"):
        extract_codes([sub, sub])


def test_the_handout_code_is_the_py_handout():
    rubric = load_rubrics()["hw2"]
    code = handout_code(rubric)
    assert "def ddpm_posterior(" in code and "raise NotImplementedError" in code
    compile(code, "handout.py", "exec")
