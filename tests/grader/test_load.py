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
