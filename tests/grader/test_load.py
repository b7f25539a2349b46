from __future__ import annotations

import json

import nbformat
import pytest

from grader.errors import LoadError
from grader.load import load_source, neutralise_ipython


def _notebook(tmp_path, cells, name="nb.ipynb"):
    nb = nbformat.v4.new_notebook()
    for kind, src in cells:
        nb.cells.append(nbformat.v4.new_code_cell(src) if kind == "code" else nbformat.v4.new_markdown_cell(src))
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_magics_and_shell_lines_are_neutralised_line_for_line():
    src = "%matplotlib inline\n!pip install torch\nfiles = !ls\nx = 1\n    %time f()\nf?"
    out, changed = neutralise_ipython(src)
    assert out.split("\n") == ["pass", "pass", "files = None", "x = 1", "    pass", "pass"]
    assert changed == 5
    compile(out.replace("    pass", "pass"), "<x>", "exec")


def test_python_cell_magic_keeps_body_and_other_cell_magics_are_commented():
    assert neutralise_ipython("%%time\ny = 2")[0] == "pass\ny = 2"
    out, _ = neutralise_ipython("%%bash\nrm -rf /")
    assert all(line.startswith("# ") for line in out.split("\n"))


def test_ordinary_python_is_untouched():
    src = "a = b % 2\nc = a != 3\ns = 'why?'\n"
    assert neutralise_ipython(src) == (src, 0)


def test_notebook_units_and_locations(tmp_path):
    path = _notebook(tmp_path, [("markdown", "# title"), ("code", "import math\n%matplotlib inline"),
                                ("markdown", "text"), ("code", "def f(x):\n    return 1/0")])
    loaded = load_source(path)
    assert [u.label for u in loaded.units] == ["cell 2", "cell 4"]
    # 'return 1/0' is line 2 of cell 4; find its combined line number
    lineno = loaded.units[1].first_line + 1
    assert loaded.location(lineno) == "cell 4, line 2"
    assert loaded.line_text(lineno).strip() == "return 1/0"
    assert loaded.notes and "magics" in loaded.notes[0]


@pytest.mark.parametrize("content, message", [
    (b"{not json", "not a readable Jupyter notebook"),
    (json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(), "no code cells"),
])
def test_broken_notebooks_are_load_errors(tmp_path, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=message):
        load_source(path)


def test_empty_and_non_utf8_modules(tmp_path):
    empty = tmp_path / "e.py"
    empty.write_text("  \n")
    with pytest.raises(LoadError, match="empty"):
        load_source(empty)
    latin = tmp_path / "l.py"
    latin.write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    with pytest.raises(LoadError, match="UTF-8"):
        load_source(latin)


def test_old_notebook_format_is_upgraded(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {},
          "worksheets": [{"cells": [{"cell_type": "code", "input": "def f():\n    return 3",
                                     "language": "python", "outputs": []}]}]}
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    loaded = load_source(path)
    assert "return 3" in loaded.units[0].source
