"""Load stage: turn a module or a notebook into units of Python source.

A ``.py`` file is one unit, decoded exactly as ``import`` decodes it
(:func:`importlib.util.decode_source`): UTF-8 by default, or the encoding a
PEP 263 coding comment on line 1 or 2 declares (``# -*- coding: latin-1 -*-``),
a UTF-8 byte-order mark is dropped, and CRLF or CR line ends become LF (the
line numbers are Python's). Bytes that cannot be decoded, or an
encoding Python does not know, are a :class:`~grader.errors.LoadError` naming
the encoding and the byte offset.

An ``.ipynb`` notebook gives one unit per code cell, in order, so that an
error in one cell does not stop later cells from defining their functions, as
"Run all" with errors allowed would; reading the notebook and neutralising
its IPython syntax (magics, shell lines, help requests) line for line is
:mod:`grader.notebook`'s job.

All cells are laid out in one numbering (a blank line between cells) so the
sandbox can report one line number that :meth:`LoadedSource.location` maps
back to "cell 4, line 2" (cells counted as the notebook shows them, markdown
included).
"""

from __future__ import annotations

import importlib.util
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

from grader.errors import LoadError
from grader.notebook import code_cells, neutralise_ipython

__all__ = ["Unit", "LoadedSource", "load_source"]

_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Unit:
    """A piece of source executed as one block.

    Attributes
    ----------
    source : str
        Python source.
    first_line : int
        Line number (1-based) of its first line in the combined numbering.
    label : str
        ``"module"`` or ``"cell 4"``.
    """

    source: str
    first_line: int
    label: str


@dataclass(frozen=True)
class LoadedSource:
    """A submission as executable units plus a map back to what the student wrote.

    Attributes
    ----------
    units : tuple of Unit
        In execution order.
    lines : tuple of str
        The student's original lines in the combined numbering (1-based
        line ``n`` is ``lines[n - 1]``), before neutralisation.
    cells : tuple of (int, int) or None
        For notebooks, ``cells[n - 1] = (cell_number, line_in_cell)``.
    notes : tuple of str
        Remarks for the report (e.g. neutralised magics).
    """

    units: tuple[Unit, ...]
    lines: tuple[str, ...]
    cells: tuple[tuple[int, int], ...] | None = None
    notes: tuple[str, ...] = ()

    def location(self, lineno: int) -> str:
        """Human-readable location of combined line ``lineno``: "line 17" or "cell 4, line 2"."""
        if self.cells is not None and 1 <= lineno <= len(self.cells):
            cell, line = self.cells[lineno - 1]
            return f"cell {cell}, line {line}"
        return f"line {lineno}"

    def line_text(self, lineno: int) -> str | None:
        """The student's original text of combined line ``lineno`` (None if out of range)."""
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1]
        return None

    @property
    def source(self) -> str:
        """All units joined (for display and hashing)."""
        return "\n".join(self.lines)


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if len(data) > _MAX_BYTES:
        raise LoadError(f"{path.name} is {len(data):,} bytes; submissions are limited to {_MAX_BYTES:,}")
    return data


def _decode_module(name: str, data: bytes) -> str:
    """Source text of a module, decoded as ``import`` does (PEP 263 cookie, BOM, newlines)."""
    try:
        return importlib.util.decode_source(data)
    except (SyntaxError, UnicodeDecodeError):
        pass  # say what is wrong below, in the student's terms
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        message = str(exc.msg)
        if message.startswith("unknown encoding"):
            declared = message.partition(":")[2].strip()
            raise LoadError(
                f"{name} declares the encoding {declared!r} in its coding comment (line 1 or 2), "
                "which Python does not know; declare a known encoding (e.g. utf-8, latin-1) "
                "or remove the comment and save the file as UTF-8") from None
        if message.startswith("encoding problem"):
            raise LoadError(
                f"{name} starts with a UTF-8 byte-order mark but its coding comment declares another "
                "encoding; remove the comment or the mark") from None
        encoding = "utf-8"  # "invalid or missing encoding declaration": line 1 or 2 is not UTF-8
    utf8 = encoding in ("utf-8", "utf-8-sig")
    try:
        data.decode("utf-8" if utf8 else encoding)  # (a BOM is valid UTF-8: offsets count it)
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}: {data[exc.start:exc.start + 1]!r}"
        if utf8:
            raise LoadError(
                f"{name} is not valid UTF-8 text ({where}); save the file as UTF-8, or declare its "
                "encoding in a coding comment on line 1 or 2 (e.g. '# -*- coding: latin-1 -*-')") from None
        raise LoadError(
            f"{name} is not valid {encoding} text, the encoding its coding comment declares ({where}); "
            "save the file as UTF-8 and remove the comment, or declare the encoding it was saved in") from None
    raise LoadError(f"{name} cannot be decoded as Python source")  # pragma: no cover - decode_source failed


def _load_notebook(path: Path, data: bytes) -> LoadedSource:
    """One unit per code cell (IPython syntax neutralised), laid out in one line numbering."""
    units: list[Unit] = []
    lines: list[str] = []
    cells: list[tuple[int, int]] = []
    neutralised = 0
    for number, original in code_cells(path.name, data):
        python, changed = neutralise_ipython(original)
        neutralised += changed
        first_line = len(lines) + 1
        cell_lines = original.split("\n")
        lines.extend(cell_lines)
        cells.extend((number, i) for i in range(1, len(cell_lines) + 1))
        lines.append("")
        cells.append((number, len(cell_lines) + 1))
        if python.strip():
            units.append(Unit(python, first_line, f"cell {number}"))
    if not units:
        raise LoadError(f"{path.name} has no code cells with content: nothing to grade")
    notes: tuple[str, ...] = ()
    if neutralised:
        notes = (f"{neutralised} line(s) of IPython magics or shell commands were skipped "
                 "(they do not run during grading)",)
    return LoadedSource(tuple(units), tuple(lines), tuple(cells), notes)


def load_source(path: Path) -> LoadedSource:
    """Read a module or a notebook.

    Parameters
    ----------
    path : Path
        A ``.py`` or ``.ipynb`` file.

    Returns
    -------
    LoadedSource

    Raises
    ------
    LoadError
        If the file is unreadable, too large, or empty; if a module cannot be
        decoded with the encoding its coding comment declares (UTF-8 without
        one) or declares an unknown encoding; if a notebook is not UTF-8, not
        a valid notebook, or has no code. The message is meant for the
        student.
    """
    path = Path(path)
    try:
        data = _read(path)
    except OSError as exc:
        raise LoadError(f"{path.name} cannot be read: {exc.strerror}") from None
    if path.suffix == ".ipynb":
        return _load_notebook(path, data)
    text = _decode_module(path.name, data)
    if not text.strip():
        raise LoadError(f"{path.name} is empty: nothing to grade")
    return LoadedSource((Unit(text, 1, "module"),), tuple(text.split("\n")))
