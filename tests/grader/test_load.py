from __future__ import annotations

import json

import nbformat
import pytest

from grader.errors import LoadError
from grader.load import load_source
from grader.notebook import neutralise_ipython


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


# -- modules are decoded as `import` decodes them (PEP 263) ---------------------------------------


def _run_module(loaded):
    """Execute a loaded module's unit the way the sandbox child does; return its namespace."""
    (unit,) = loaded.units
    namespace: dict = {}
    exec(compile("\n" * (unit.first_line - 1) + unit.source, "<module>", "exec"), namespace)
    return namespace


def test_latin1_coding_cookie_is_honoured(tmp_path):
    text = ("# -*- coding: latin-1 -*-\n"
            "# Théorème de Bayes: p(x|y) ~ p(y|x) p(x), écrit à la main\n"
            "def greeting():\n"
            "    return 'café naïve, señor'\n")
    path = tmp_path / "latin.py"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the case the old loader rejected
    loaded = load_source(path)
    assert _run_module(loaded)["greeting"]() == "café naïve, señor"
    assert loaded.line_text(2) == "# Théorème de Bayes: p(x|y) ~ p(y|x) p(x), écrit à la main"
    assert loaded.line_text(4) == "    return 'café naïve, señor'"
    assert len(loaded.lines) == 5  # four lines and the empty one after the last newline


def test_cp1252_cookie_on_line_two(tmp_path):
    text = "#!/usr/bin/env python\n# coding: cp1252\ndef quote():\n    return '\u201cnoise\u201d costs 5 \u20ac'\n"
    path = tmp_path / "win.py"
    path.write_bytes(text.encode("cp1252"))
    loaded = load_source(path)
    assert _run_module(loaded)["quote"]() == "\u201cnoise\u201d costs 5 \u20ac"
    assert loaded.line_text(3) == "def quote():"


def test_utf8_bom_is_dropped(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + "def f():\n    return 'é'\n".encode())
    loaded = load_source(path)
    assert loaded.line_text(1) == "def f():"
    assert not loaded.units[0].source.startswith("\ufeff")
    assert _run_module(loaded)["f"]() == "é"


def test_crlf_line_ends_keep_line_numbers(tmp_path):
    path = tmp_path / "crlf.py"
    path.write_bytes(b"import math\r\n\r\ndef f():\r\n    x = 1\r\n    return x + undefined_name\r\n")
    loaded = load_source(path)
    assert len(loaded.lines) == 6
    assert all("\r" not in line for line in loaded.lines)
    fn = _run_module(loaded)["f"]
    with pytest.raises(NameError) as info:
        fn()
    lineno = info.traceback[-1].lineno + 1  # pytest's traceback lines are 0-based
    assert loaded.location(lineno) == "line 5"
    assert loaded.line_text(lineno) == "    return x + undefined_name"


@pytest.mark.parametrize("content, message", [
    # no declaration: UTF-8, with the offset of the first bad byte (line 3, past the cookie lines)
    (b"x = 1\ny = 2\nz = 'caf\xe9'\n", r"not valid UTF-8 text \(byte 20: b'\\xe9'\)"),
    # declared cp1252, but 0x81 has no character in cp1252
    (b"# coding: cp1252\ns = '\x81'\n", r"not valid cp1252 text, the encoding its coding comment declares "
                                        r"\(byte 22: b'\\x81'\)"),
    (b"# -*- coding: klingon -*-\nx = 1\n", r"declares the encoding 'klingon'.*Python does not know"),
    (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "byte-order mark but its coding comment declares another"),
])
def test_undecodable_modules_are_load_errors_naming_encoding_and_offset(tmp_path, content, message):
    path = tmp_path / "bad.py"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=message):
        load_source(path)
    with pytest.raises((SyntaxError, UnicodeDecodeError)):  # import refuses them too
        compile(content, "bad.py", "exec")


def test_notebook_with_utf8_bom(tmp_path):
    path = _notebook(tmp_path, [("code", "def f():\n    return 'ü'")])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    loaded = load_source(path)
    namespace: dict = {}
    exec(loaded.units[0].source, namespace)
    assert namespace["f"]() == "ü"


# -- IPython syntax is recognised on tokens, by IPython (and by tokenize without it) --------------


@pytest.fixture(params=["ipython", "tokenize"])
def transformer(request, monkeypatch):
    """Run a test with IPython's transformer, then with the stdlib fallback (each cell neutralised afresh)."""
    import grader.notebook

    grader.notebook._neutralised.cache_clear()  # cached by cell text, whichever way it was done
    request.addfinalizer(grader.notebook._neutralised.cache_clear)
    if request.param == "ipython":
        assert grader.notebook._ipython_transformer() is not None, "IPython is a dependency"
    else:
        monkeypatch.setattr(grader.notebook, "_ipython_transformer", lambda: None)
    return request.param


def _exec_cell(cell):
    """Neutralise and run one cell; return (namespace, number of lines changed)."""
    python, changed = neutralise_ipython(cell)
    assert python.count("\n") == cell.count("\n")
    namespace: dict = {}
    exec(compile(python, "<cell>", "exec"), namespace)
    return namespace, changed


def test_comment_ending_in_question_mark_is_code(transformer):
    cell = ("def abar(ab, t):\n"
            "    ab_t = ab[t - 1]  # or is it t?\n"
            "    return ab_t\n")
    namespace, changed = _exec_cell(cell)
    assert changed == 0
    assert namespace["abar"]([0.9, 0.8, 0.7], 2) == 0.8


def test_modulo_on_a_continuation_line_is_code(transformer):
    cell = ("def wrap(a, b):\n"
            "    x = (a\n"
            "         % b)\n"
            "    return x\n"
            "y = (10\n"
            "% 4)\n")
    namespace, changed = _exec_cell(cell)
    assert changed == 0
    assert namespace["wrap"](7, 3) == 1 and namespace["y"] == 2


def test_bang_and_percent_inside_triple_quoted_strings_are_text(transformer):
    body = "\n!rm -rf /\n%matplotlib inline\n    %time f()\nwhat?\n"
    cell = f'def usage():\n    """Docstring\n!pip install x\n    """\n    return """{body}"""\n'
    namespace, changed = _exec_cell(cell)
    assert changed == 0
    assert namespace["usage"]() == body
    assert "!pip install x" in namespace["usage"].__doc__


@pytest.mark.parametrize("cell, expected", [
    ("%matplotlib inline", "pass"),
    ("!pip install x", "pass"),
    ("x = !ls", "x = None"),
    ("y = %time f()", "y = None"),
    ("f?", "pass"),
    ("??f", "pass"),
    ("!ls \\\n  -l", "pass\n"),  # IPython joins a backslash-continued command into one line
])
def test_magics_shell_lines_and_help_are_neutralised(transformer, cell, expected):
    python, changed = neutralise_ipython(cell)
    assert python == expected
    assert changed == cell.count("\n") + 1
    compile(python, "<cell>", "exec")


def test_magics_and_shell_lines_are_neutralised_in_one_cell(transformer):
    src = "%matplotlib inline\n!pip install torch\nfiles = !ls\nx = 1\n    %time f()\nf?"
    out, changed = neutralise_ipython(src)
    assert out.split("\n") == ["pass", "pass", "files = None", "x = 1", "    pass", "pass"]
    assert changed == 5


def test_indented_magics_in_a_function_and_an_if(transformer):
    cell = ("def step(x):\n"
            "    %timeit x + 1\n"
            "    if x > 0:\n"
            "        %time y = 2\n"
            "        !echo positive\n"
            "    return x + 1\n")
    namespace, changed = _exec_cell(cell)
    assert changed == 3
    assert namespace["step"](1) == 2


def test_time_cell_magic_runs_its_body_as_python(transformer):
    cell = "%%time\nimport math\n%matplotlib inline\ndef f(x):\n    return math.sqrt(x)  # sure?"
    python, changed = neutralise_ipython(cell)
    assert python.split("\n")[:3] == ["pass", "import math", "pass"]
    assert changed == 2
    namespace, _ = _exec_cell(cell)
    assert namespace["f"](9.0) == 3.0


def test_other_cell_magics_become_comments(transformer):
    cell = "%%bash\ndef f():\n    rm -rf /\necho done"
    python, changed = neutralise_ipython(cell)
    assert all(line.startswith("# ") for line in python.split("\n"))
    assert changed == 4
    namespace, _ = _exec_cell(cell)
    assert "f" not in namespace


def test_cell_indented_as_a_whole_is_dedented_as_in_ipython(transformer):
    namespace, changed = _exec_cell("  x = 1\n  %time f()\n  y = x + 1")
    assert changed == 1
    assert namespace["y"] == 2


def test_untokenizable_cell_is_left_for_python_to_report(transformer):
    cell = "if True:\n    a = 1\n  b = 2\n"  # inconsistent dedent: IPython's tokenizer raises
    python, changed = neutralise_ipython(cell)
    assert (python, changed) == (cell, 0)
    with pytest.raises(IndentationError) as info:
        compile(python, "<cell>", "exec")
    assert info.value.lineno == 3


def test_locations_survive_neutralisation(tmp_path, transformer):
    path = _notebook(tmp_path, [
        ("markdown", "# Homework"),
        ("code", "\n\n%%time\nimport math\n%ls \\\n  -l"),
        ("code", "%matplotlib inline\n!pip install \\\n    torch\nx = !ls\n?math\n\ndef mean(ab, t):\n"
                 "    ab_t = ab[t - 1]  # or is it t?\n"
                 "    y = (ab_t\n"
                 "         % 1)\n"
                 "    return y + missing_name\n"),
    ])
    loaded = load_source(path)
    namespace: dict = {}
    for unit in loaded.units:
        exec(compile("\n" * (unit.first_line - 1) + unit.source, "<nb>", "exec"), namespace)
    with pytest.raises(NameError) as info:
        namespace["mean"]([0.5, 0.25], 2)
    lineno = info.traceback[-1].lineno + 1
    assert loaded.location(lineno) == "cell 3, line 11"
    assert loaded.line_text(lineno) == "    return y + missing_name"
    # %%time, %ls and its continuation, %matplotlib, !pip and its continuation, x = !ls, ?math
    assert loaded.notes == ("8 line(s) of IPython magics or shell commands were skipped "
                            "(they do not run during grading)",)


def test_correct_code_gets_no_neutralisation_note(tmp_path, transformer):
    path = _notebook(tmp_path, [("code", "def f(a, b):\n    return (a  # is it a?\n            % b)")])
    assert load_source(path).notes == ()


@pytest.mark.slow
def test_notebook_with_question_comment_and_modulo_line_gets_full_marks(tmp_path, rubrics):
    from grader.discover import Submission, sha256_file
    from grader.limits import Limits
    from grader.pipeline import grade_submission

    path = _notebook(tmp_path, [
        ("markdown", "# hw2"),
        ("code", "import torch\n%matplotlib inline"),
        ("code", "def ou_coefficients(t):\n"
                 "    if not isinstance(t, torch.Tensor):  # a float too?\n"
                 "        t = torch.tensor(t, dtype=torch.float64)\n"
                 "    half = (1\n"
                 "            % 2) / 2\n"
                 "    gamma = torch.exp(-t * half)  # or exp(-t)?\n"
                 "    sigma = torch.sqrt(1 - torch.exp(-t))\n"
                 "    return gamma, sigma\n"),
        ("code", "def reverse_ode_drift(x, t, score):\n"
                 "    !echo computing\n"
                 "    return -0.5 * x - 0.5 * scor\n"),
    ], name="ada.ipynb")
    rubric = rubrics["hw2"]
    points = {f.name: f.points for f in rubric.functions}
    sub = Submission("hw2", "ada", path, path, "notebook", sha256_file(path), path.name)
    doc = grade_submission(sub, rubric, Limits())
    items = {i["function"]: i for i in doc["items"]}
    ou = items["ou_coefficients"]
    assert (ou["status"], ou["score"]) == ("passed", points["ou_coefficients"])
    drift = " ".join(m for c in items["reverse_ode_drift"]["checks"] for m in c["messages"])
    assert "NameError" in drift and "cell 4, line 3" in drift
    assert any("2 line(s) of IPython magics" in n for n in doc["notes"])


def test_only_cells_of_bounded_size_are_cached():
    """A class of 5 MB notebooks must not pile up in memory: a long cell is neutralised afresh each time."""
    import grader.notebook as nb

    nb._neutralised.cache_clear()
    small = "!pip install torch\nx = 1\n"
    large = "x = 1\n" * (nb.CACHED_CELL_CHARS // 6 + 1) + "!ls\n"
    assert len(small) <= nb.CACHED_CELL_CHARS < len(large)
    assert neutralise_ipython(small) == neutralise_ipython(small) == nb._neutralise(small)
    assert nb._neutralised.cache_info().currsize == 1 and nb._neutralised.cache_info().hits == 1
    python, changed = neutralise_ipython(large)
    assert changed == 1 and python.count("\n") == large.count("\n")
    assert nb._neutralised.cache_info().currsize == 1  # not kept
    nb._neutralised.cache_clear()
