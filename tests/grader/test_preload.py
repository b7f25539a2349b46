"""``grader.preload``: later stages' imports made in the background; a module that fails is left to its user."""

from __future__ import annotations

import sys

import pytest

from grader.preload import preload


def test_preloads_in_order_and_a_failing_module_is_left_to_its_user(tmp_path, monkeypatch):
    (tmp_path / "preload_first.py").write_text("import sys\nsys.modules['preload_seen'] = []\n")
    (tmp_path / "preload_broken.py").write_text("raise RuntimeError('broken at import')\n")
    (tmp_path / "preload_last.py").write_text("import sys\nsys.modules['preload_seen'].append('last')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("preload_first", "preload_broken", "preload_last", "preload_seen"):
        monkeypatch.delitem(sys.modules, name, raising=False)

    thread = preload(["preload_first", "preload_missing_module", "preload_broken", "preload_last"])
    thread.join(timeout=30)
    assert not thread.is_alive() and thread.daemon
    assert sys.modules["preload_seen"] == ["last"]  # went on past the missing and the broken module
    assert "preload_broken" not in sys.modules
    with pytest.raises(RuntimeError, match="broken at import"):  # its user imports it again and sees why
        __import__("preload_broken")
