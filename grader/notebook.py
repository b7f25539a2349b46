"""Notebook cells as Python: read an ``.ipynb``, neutralise IPython syntax line for line.

An ``.ipynb`` notebook is JSON in UTF-8 (a byte-order mark is allowed), read
with nbformat (any v4 minor version; v3 is upgraded); :func:`code_cells`
gives its code cells in order, numbered as the notebook shows them
(markdown cells included). :mod:`grader.load` lays them out as units.

IPython syntax is found by IPython's own input transformer
(``TransformerManager.transform_cell``), which works on tokens: a ``%`` that
continues an expression, a ``!`` inside a string and a comment ending in ``?``
are Python and stay untouched. What the transformer rewrote is replaced by
harmless Python on the same lines (:func:`neutralise_ipython`):

* line magics (``%matplotlib inline``) and shell lines (``!pip install x``)
  become ``pass``; ``x = !ls`` and ``y = %time f()`` become ``x = None``;
* help requests (``f?``, ``??f``) become ``pass``;
* a cell magic on the first line: ``%%time``, ``%%timeit``, ``%%capture``,
  ``%%prun``, ``%%debug`` run the rest of the cell as Python; any other
  (``%%bash``, ``%%writefile``) turns the whole cell into comments.

As in IPython, a cell whose first line is indented (or starts with a ``>>>``
prompt) is dedented. A magic continued with a backslash is one line for the
transformer; the lines it swallowed become blank, so every line keeps its
number. Without IPython, the standard :mod:`tokenize` module finds the same
constructs (``%``/``!`` only as the first token of a logical line, ``?`` only
as its last).
"""

from __future__ import annotations

import ast
import difflib
import functools
import importlib
import io
import re
import tokenize
from typing import Any

from grader.errors import LoadError

__all__ = ["code_cells", "neutralise_ipython"]

#: Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
#: Same bound as IPython's TRANSFORM_LOOP_LIMIT: one construct is replaced per round.
_LOOP_LIMIT = 500
_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")
_HELP_CELL_MAGIC = re.compile(r"%%\w+\?")


def code_cells(name: str, data: bytes) -> list[tuple[int, str]]:
    """The code cells of a notebook, in order, with the numbers the notebook shows.

    Parameters
    ----------
    name : str
        The file's name, for messages.
    data : bytes
        The file's content.

    Returns
    -------
    list of (int, str)
        ``(cell number, source)`` for every code cell; cells are numbered
        from 1 counting markdown and raw cells too. Sources are as the
        student wrote them (IPython syntax included).

    Raises
    ------
    LoadError
        If the file is not UTF-8 or not a readable Jupyter notebook.
    """
    import nbformat

    try:
        text = data.decode("utf-8-sig")  # JSON is UTF-8; a byte-order mark is tolerated
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"{name} is not valid UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "a notebook is JSON and must be saved as UTF-8") from None
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LoadError(f"{name} is not a readable Jupyter notebook: {first[:300]}") from None
    cells = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        cells.append((number, "".join(source) if isinstance(source, list) else source))
    return cells


#: Cells up to this many characters are cached by :func:`neutralise_ipython`, at most :data:`CACHED_CELLS` of
#: them: at most ~64 MiB held (text in and out) whatever a class's notebooks hold (5 MB each).
CACHED_CELL_CHARS = 16 * 1024
CACHED_CELLS = 2048


def neutralise_ipython(cell: str) -> tuple[str, int]:
    """Replace IPython-only syntax in one cell by Python, line for line.

    IPython's input transformer decides what is IPython syntax (see the module
    docstring); without IPython, :mod:`tokenize` does. Cells of up to
    :data:`CACHED_CELL_CHARS` are cached by their text (the result is a pure
    function of it): a class's notebooks share the handout's cells, and the
    similarity report reads every notebook again after grading (IPython takes
    about 0.6 ms a cell on this machine).

    Parameters
    ----------
    cell : str
        The cell's source.

    Returns
    -------
    (str, int)
        The cell as Python with the same number of lines (newline-separated,
        each statement on the line the student wrote it), and how many of the
        cell's lines were IPython syntax and were replaced.
    """
    return _neutralised(cell) if len(cell) <= CACHED_CELL_CHARS else _neutralise(cell)


def _neutralise(cell: str) -> tuple[str, int]:
    lines, changed = _neutralise_lines(cell.split("\n"))
    return "\n".join(lines), changed


_neutralised = functools.lru_cache(maxsize=CACHED_CELLS)(_neutralise)


@functools.cache
def _ipython_transformer() -> Any | None:
    """IPython's ``TransformerManager`` (stateless, so shared), or None without IPython."""
    try:
        module = importlib.import_module("IPython.core.inputtransformer2")
    except ImportError:
        return None
    return module.TransformerManager()


def _neutralise_lines(lines: list[str]) -> tuple[list[str], int]:
    """:func:`neutralise_ipython` on lines without their newline; same length out."""
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    head, body = lines[:start], lines[start:]  # leading blank lines: IPython drops them, we keep them
    if not body:
        return list(lines), 0
    result = None
    transformer = _ipython_transformer()
    if transformer is not None:
        try:
            result = _with_ipython(transformer, body)
        except Exception:  # e.g. IndentationError from its tokenizer: tokenize below stops there
            result = None
    if result is None:
        result = _with_tokenize(body)
    out, changed = result
    assert len(out) == len(body), "neutralisation must keep the line count"
    return head + out, changed


def _with_ipython(transformer: Any, body: list[str]) -> tuple[list[str], int] | None:
    """Neutralise with IPython's transformer; None when its output cannot be mapped line for line."""
    ended = [line + "\n" for line in body]
    # transform_cell first dedents the cell and strips >>> / In [1]: prompts (all keep
    # the line count). Applied here too, so that the diff below shows only what the
    # token transformers rewrote.
    clean = ended
    for step in transformer.cleanup_transforms:
        clean = step(clean)
    if len(clean) != len(ended) or not all(line.endswith("\n") for line in clean):
        return None
    clean_lines = [line[:-1] for line in clean]
    out = str(transformer.transform_cell("".join(clean))).split("\n")[:-1]

    if clean_lines[0].startswith("%%") and len(out) == 1:
        magic = _cell_magic_name(out[0])
        if magic is not None:
            if magic in _PYTHON_CELL_MAGICS:  # IPython runs the body as a cell of its own
                rest, changed = _neutralise_lines(clean_lines[1:])
                return ["pass", *rest], changed + 1
            return _commented(body)

    # Every token transform replaces one or more physical lines (a backslash-continued
    # magic, a help request spanning a bracket) by exactly one line; everything else is
    # left as it was. So each changed block has 1 <= len(new) <= len(old).
    python: list[str] = []
    changed = 0
    matcher = difflib.SequenceMatcher(None, clean_lines, out, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            python.extend(clean_lines[i1:i2])
            continue
        if not 1 <= j2 - j1 <= i2 - i1:
            return None
        python.extend(_harmless(line) for line in out[j1:j2])
        python.extend([""] * ((i2 - i1) - (j2 - j1)))  # lines joined into one stay, blank
        changed += i2 - i1
    return python, changed


def _cell_magic_name(line: str) -> str | None:
    """The name in ``get_ipython().run_cell_magic('name', ...)``, else None."""
    try:
        tree = ast.parse(line)
    except SyntaxError:
        return None
    match tree.body:
        case [ast.Expr(value=ast.Call(func=ast.Attribute(attr="run_cell_magic"),
                                      args=[ast.Constant(value=str() as name), *_]))]:
            return name
    return None


def _harmless(line: str) -> str:
    """Python for one line the transformer produced: ``x = None`` for an assignment, else ``pass``."""
    indent = line[: len(line) - len(line.lstrip())]
    at = line.find("get_ipython()")
    lhs = line[:at].rstrip() if at >= 0 else ""
    if lhs.endswith("=") and lhs.strip() != "=":
        return f"{lhs} None"
    return indent + "pass"


def _commented(body: list[str]) -> tuple[list[str], int]:
    """A cell whose cell magic runs something other than Python, as comments."""
    return ["# " + line for line in body], sum(1 for line in body if line.strip())


def _with_tokenize(body: list[str]) -> tuple[list[str], int]:
    """Neutralise with the standard tokenizer (no IPython), one construct at a time."""
    first = body[0].lstrip()
    if first.startswith("%%") and not _HELP_CELL_MAGIC.match(first):
        magic = first[2:].rstrip().partition(" ")[0]
        if magic not in _PYTHON_CELL_MAGICS:
            return _commented(body)
        rest, changed = _neutralise_lines(body[1:])
        return ["pass", *rest], changed + 1
    lines = list(body)
    indent = body[0][: len(body[0]) - len(first)]
    if indent:  # as IPython does: a cell whose first line is indented is dedented
        lines = [line[len(indent):] if line.startswith(indent) else line for line in lines]
    changed = 0
    for _ in range(_LOOP_LIMIT):
        found = _first_ipython_construct(lines)
        if found is None:
            break
        begin, end, replacement = found
        lines[begin:end + 1] = [replacement] + [""] * (end - begin)
        changed += end - begin + 1
    return lines, changed


def _logical_lines(lines: list[str]) -> list[list[tokenize.TokenInfo]]:
    """Tokens grouped by logical line; tokenizing stops quietly where the text stops being Python."""
    groups: list[list[tokenize.TokenInfo]] = [[]]
    depth = 0
    readline = io.StringIO("\n".join(lines) + "\n").readline
    try:
        for tok in tokenize.generate_tokens(readline):
            groups[-1].append(tok)
            if tok.type == tokenize.NEWLINE or (tok.type == tokenize.NL and depth == 0):
                groups.append([])
            elif tok.type == tokenize.OP and tok.string in _OPEN:
                depth += 1
            elif tok.type == tokenize.OP and tok.string in _CLOSE:
                depth = max(depth - 1, 0)
    except (tokenize.TokenError, SyntaxError):  # unclosed string or bracket, bad dedent
        pass
    return [group for group in groups if group]


def _first_ipython_construct(lines: list[str]) -> tuple[int, int, str] | None:
    """(first line, last line, replacement) of the first magic, shell line or help request."""
    skip = {tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER}
    for group in _logical_lines(lines):
        # tokenize reports the blank before an error character ("x = !ls") as a token too
        toks = [t for t in group if t.type not in skip and not (t.type == tokenize.ERRORTOKEN and t.string.isspace())]
        code = [t for t in toks if t.type != tokenize.COMMENT]
        if not code:
            continue
        head = code[0]
        row = head.start[0] - 1
        indent = lines[row][: head.start[1]]
        if toks[-1].string == "?":  # help: f?, x.y??, %magic? (a comment after it makes it a comment)
            return row, toks[-1].start[0] - 1, indent + "pass"
        if head.string in {"%", "!", "?"}:  # %magic, !cmd, !!cmd, ?f, ??f
            return row, _continued_to(lines, row), indent + "pass"
        assign = _top_level_assignment(code)
        if assign is not None and assign + 1 < len(code):
            value = code[assign + 1]
            magic = value.string == "%" and assign + 2 < len(code) and code[assign + 2].type == tokenize.NAME
            if magic or value.string == "!":  # x = %time f(), files = !ls
                at = value.start[0] - 1
                return at, _continued_to(lines, at), lines[at][: value.start[1]].rstrip() + " None"
    return None


def _top_level_assignment(code: list[tokenize.TokenInfo]) -> int | None:
    """Index of the first ``=`` outside brackets in a logical line's tokens."""
    depth = 0
    for i, tok in enumerate(code):
        if tok.type != tokenize.OP:
            continue
        if tok.string == "=" and depth == 0:
            return i
        if tok.string in _OPEN:
            depth += 1
        elif tok.string in _CLOSE:
            depth = max(depth - 1, 0)
    return None


def _continued_to(lines: list[str], row: int) -> int:
    """Last line of the backslash-continued line starting at ``row`` (IPython joins them)."""
    while row + 1 < len(lines) and lines[row].endswith("\\"):
        row += 1
    return row
